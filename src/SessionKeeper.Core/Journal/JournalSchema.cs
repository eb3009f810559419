using Microsoft.Data.Sqlite;

namespace SessionKeeper.Core.Journal;

/// <summary>
/// The journal's schema and its forward migrations. Version 1 knew single runs; version 2 added
/// restarts (attempt, root_id, restart_*), batches and the "to be checked" flag; version 3 added
/// the resolved ssh settings of each endpoint (jump hosts, host-key policy, agent...) as JSON;
/// version 4 added the phases planned, not-launched and skipped, and the reason a job never ran;
/// version 5 keeps --timeout and --grace in milliseconds; version 6 added the batches stopped
/// before all their hosts were sent anything. A journal from a newer version is refused, never
/// rewritten.
/// </summary>
internal static class JournalSchema
{
    public const int Current = 6;

    public const string Version1 = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            user TEXT NOT NULL,
            host TEXT NOT NULL,
            port INTEGER NOT NULL,
            identity_files TEXT NOT NULL,
            known_hosts_files TEXT NOT NULL,
            connect_timeout_ms INTEGER NOT NULL,
            cookie TEXT NOT NULL,
            command TEXT NOT NULL,
            cwd TEXT,
            env TEXT NOT NULL,
            shell TEXT,
            timeout_s INTEGER,
            grace_s INTEGER NOT NULL,
            phase TEXT NOT NULL,
            state TEXT,
            exit_code INTEGER,
            signal INTEGER,
            lost_reason TEXT,
            pid INTEGER,
            pgid INTEGER,
            start_time INTEGER,
            boot_id TEXT,
            created_at INTEGER NOT NULL,
            launched_at INTEGER,
            finished_at INTEGER,
            last_seen_at INTEGER,
            mirror_path TEXT,
            committed_length INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX jobs_host ON jobs (host, port, user);
        INSERT INTO meta (key, value) VALUES ('schema_version', '1');
        """;

    private const string Version2 = """
        ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE jobs ADD COLUMN root_id TEXT;
        ALTER TABLE jobs ADD COLUMN restart_mode TEXT NOT NULL DEFAULT 'no';
        ALTER TABLE jobs ADD COLUMN max_restarts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN restart_delay_ms INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN batch_id TEXT;
        ALTER TABLE jobs ADD COLUMN to_be_checked INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX jobs_root ON jobs (root_id);
        CREATE INDEX jobs_batch ON jobs (batch_id);
        UPDATE meta SET value = '2' WHERE key = 'schema_version';
        """;

    /// <summary>Rows of older versions keep NULL: they reconnect with what they were launched with.</summary>
    private const string Version3 = """
        ALTER TABLE jobs ADD COLUMN ssh_settings TEXT;
        UPDATE meta SET value = '3' WHERE key = 'schema_version';
        """;

    /// <summary>
    /// New phase values (planned, not-launched, skipped) that an older SessionKeeper cannot read:
    /// hence a new version. Rows of older versions keep their phase: an "intent" of theirs may have
    /// been sent, so it stays one that resume completes.
    /// </summary>
    private const string Version4 = """
        ALTER TABLE jobs ADD COLUMN not_launched_reason TEXT;
        UPDATE meta SET value = '4' WHERE key = 'schema_version';
        """;

    /// <summary>
    /// timeout_s and grace_s held whole seconds, so a --timeout of 500ms came back as 0 (no limit at
    /// all on a retry or restart). They are still written, rounded up as the target enforces them;
    /// rows of older versions had only whole seconds, which carry over exactly.
    /// </summary>
    private const string Version5 = """
        ALTER TABLE jobs ADD COLUMN timeout_ms INTEGER;
        ALTER TABLE jobs ADD COLUMN grace_ms INTEGER NOT NULL DEFAULT 10000;
        UPDATE jobs SET timeout_ms = timeout_s * 1000, grace_ms = grace_s * 1000;
        UPDATE meta SET value = '5' WHERE key = 'schema_version';
        """;

    /// <summary>
    /// One row per interrupted batch instead of one update per host: a job of the batch still
    /// planned and journaled before the stop reads as not launched, with the batch's reason. An
    /// older SessionKeeper would read those jobs as planned, which it never launches implicitly
    /// either, but the version keeps it from writing to a journal it half understands.
    /// </summary>
    private const string Version6 = """
        CREATE TABLE batch_stops (batch TEXT PRIMARY KEY, stop_reason TEXT NOT NULL, stopped_at INTEGER NOT NULL);
        UPDATE meta SET value = '6' WHERE key = 'schema_version';
        """;

    /// <summary>Migrations from version N-1 to N, at index N.</summary>
    private static readonly string[] Steps = ["", Version1, Version2, Version3, Version4, Version5, Version6];

    public static int ReadVersion(SqliteConnection connection)
    {
        using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'";
        if (Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            using var any = connection.CreateCommand();
            any.CommandText = "SELECT count(*) FROM sqlite_master";
            return Convert.ToInt64(any.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0 ? 0 : -1;
        }

        using var read = connection.CreateCommand();
        read.CommandText = "SELECT value FROM meta WHERE key = 'schema_version'";
        return int.TryParse(read.ExecuteScalar() as string, out var version) ? version : -1;
    }

    /// <summary>Brings a journal from <paramref name="from"/> to <see cref="Current"/> in one transaction.</summary>
    public static void Migrate(SqliteConnection connection, int from)
    {
        using var transaction = connection.BeginTransaction();
        for (var version = from + 1; version <= Current; version++)
        {
            using var step = connection.CreateCommand();
            step.Transaction = transaction;
            step.CommandText = Steps[version];
            step.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
