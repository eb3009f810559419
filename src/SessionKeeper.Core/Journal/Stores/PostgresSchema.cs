using System.Data.Common;

namespace SessionKeeper.Core.Journal.Stores;

/// <summary>
/// The journal's schema in PostgreSQL. A PostgreSQL journal starts at schema 8 (the first one it
/// could be made with), created whole in one transaction; later versions are migrations from 8 on,
/// numbered as SQLite's are (<see cref="JournalSchema.Current"/>). Columns mirror the SQLite ones,
/// with PostgreSQL's types: integers SQLite reads back as 64 bits are bigint, ids sort bytewise
/// (COLLATE "C") as SQLite's do, and a command that is not UTF-8 goes to command_raw (bytea)
/// instead of command, which SQLite keeps in one column of either type.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The oldest schema a PostgreSQL journal can have.</summary>
    public const int First = 8;

    /// <summary>Held for the migration's transaction: two daemons starting at once migrate one after the other.</summary>
    public const long MigrationLock = 0x5345_5353_4b50_4a31; // "SESSKPJ1"

    public const string Version8 = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE jobs (
            id TEXT COLLATE "C" PRIMARY KEY,
            transport TEXT NOT NULL DEFAULT 'ssh',
            target_json TEXT,
            name TEXT,
            "user" TEXT NOT NULL,
            host TEXT NOT NULL,
            port INTEGER NOT NULL,
            cookie TEXT NOT NULL,
            command TEXT,
            command_raw BYTEA,
            cwd TEXT,
            env TEXT NOT NULL,
            shell TEXT,
            timeout_s BIGINT,
            grace_s BIGINT NOT NULL,
            timeout_ms BIGINT,
            grace_ms BIGINT NOT NULL DEFAULT 10000,
            phase TEXT NOT NULL,
            state TEXT,
            exit_code INTEGER,
            signal INTEGER,
            lost_reason TEXT,
            pid INTEGER,
            pgid INTEGER,
            start_time BIGINT,
            boot_id TEXT,
            created_at BIGINT NOT NULL,
            launched_at BIGINT,
            finished_at BIGINT,
            last_seen_at BIGINT,
            mirror_path TEXT,
            committed_length BIGINT NOT NULL DEFAULT 0,
            attempt INTEGER NOT NULL DEFAULT 1,
            root_id TEXT COLLATE "C",
            restart_mode TEXT NOT NULL DEFAULT 'no',
            max_restarts INTEGER NOT NULL DEFAULT 0,
            restart_delay_ms BIGINT NOT NULL DEFAULT 0,
            batch_id TEXT,
            to_be_checked BIGINT NOT NULL DEFAULT 0,
            not_launched_reason TEXT,
            CHECK ((command IS NULL) <> (command_raw IS NULL))
        );
        CREATE INDEX jobs_host ON jobs (host, port, "user");
        CREATE INDEX jobs_root ON jobs (root_id);
        CREATE INDEX jobs_batch ON jobs (batch_id);
        CREATE TABLE batch_stops (batch TEXT PRIMARY KEY, stop_reason TEXT NOT NULL, stopped_at BIGINT NOT NULL);
        INSERT INTO meta (key, value) VALUES ('schema_version', '8');
        """;

    /// <summary>Leases and the target's last answer, as SQLite's schema 9 (<see cref="JournalSchema.Version9"/>).</summary>
    public const string Version9 = """
        ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
        ALTER TABLE jobs ADD COLUMN lease_token BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN lease_expires_at BIGINT;
        CREATE TABLE daemons (id TEXT COLLATE "C" PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, started_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL);
        ALTER TABLE jobs ADD COLUMN answer_json TEXT;
        UPDATE meta SET value = '9' WHERE key = 'schema_version';
        """;

    /// <summary>Daemons' capacities and refusals, as SQLite's schema 10 (<see cref="JournalSchema.Version10"/>).</summary>
    public const string Version10 = """
        ALTER TABLE daemons ADD COLUMN capacity INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE daemon_refusals (daemon_id TEXT COLLATE "C" NOT NULL, target_user TEXT NOT NULL, target_host TEXT NOT NULL, target_port INTEGER NOT NULL,
            problem TEXT NOT NULL, refused_at BIGINT NOT NULL, PRIMARY KEY (daemon_id, target_user, target_host, target_port));
        UPDATE meta SET value = '10' WHERE key = 'schema_version';
        """;

    /// <summary>Migrations from version N-1 to N, at index N - <see cref="First"/>; index 0 creates the journal.</summary>
    private static readonly string[] Steps = [Version8, Version9, Version10];

    /// <summary>0 for a database without a journal (other tables are not ours to judge), -1 for a jobs table without its meta.</summary>
    public static int ReadVersion(DbConnection connection)
    {
        using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT to_regclass('meta') IS NOT NULL, to_regclass('jobs') IS NOT NULL";
        using (var r = exists.ExecuteReader())
        {
            r.Read();
            if (!r.GetBoolean(0))
            {
                return r.GetBoolean(1) ? -1 : 0;
            }
        }

        using var read = connection.CreateCommand();
        read.CommandText = "SELECT value FROM meta WHERE key = 'schema_version'";
        return int.TryParse(read.ExecuteScalar() as string, out var version) ? version : -1;
    }

    /// <summary>From <paramref name="from"/> to <see cref="JournalSchema.Current"/> in one transaction, under <see cref="MigrationLock"/>.</summary>
    public static void Migrate(DbConnection connection, int from)
    {
        using var transaction = connection.BeginTransaction();
        using (var lockCommand = connection.CreateCommand())
        {
            lockCommand.Transaction = transaction;
            lockCommand.CommandText = $"SELECT pg_advisory_xact_lock({MigrationLock})";
            lockCommand.ExecuteNonQuery();
        }

        // Another process may have migrated while this one waited for the lock.
        from = ReadVersion(connection);
        if (from is < 0 or > JournalSchema.Current || (from > 0 && from < First))
        {
            throw new InvalidOperationException($"schema {from} changed under the migration");
        }

        for (var version = Math.Max(from + 1, First); from < JournalSchema.Current && version <= JournalSchema.Current; version++)
        {
            using var step = connection.CreateCommand();
            step.Transaction = transaction;
            step.CommandText = Steps[version - First];
            step.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
