using System.Text.Json;
using Microsoft.Data.Sqlite;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Core.Journal;

/// <summary>
/// The journal's schema and its forward migrations. Version 1 knew single runs; version 2 added
/// restarts (attempt, root_id, restart_*), batches and the "to be checked" flag; version 3 added
/// the resolved ssh settings of each endpoint (jump hosts, host-key policy, agent...) as JSON;
/// version 4 added the phases planned, not-launched and skipped, and the reason a job never ran;
/// version 5 keeps --timeout and --grace in milliseconds; version 6 added the batches stopped
/// before all their hosts were sent anything; version 7 keeps a job's target whole, as its
/// transport describes it (<see cref="JobEndpoint"/> as JSON in target_json, with the transport's
/// name in transport), instead of field by field; version 8 keeps the name the user gave each host
/// (an alias, an inventory name, a member of a range) for listings; version 9 added leases (a job's
/// lease owner, fencing token and expiry, and the daemons table) and keeps the target's last answer
/// about each job whole (answer_json), so `status` of a finished job needs no connection; version 10
/// added each daemon's capacity and the targets a daemon could not authenticate to. A journal
/// from a newer version is refused, never rewritten. These are the SQLite journal's steps; a PostgreSQL journal starts at
/// version 8 (<see cref="Stores.PostgresSchema"/>) and takes the same numbers from there on.
/// </summary>
internal static class JournalSchema
{
    public const int Current = 10;

    /// <summary>The jobs.transport of a <see cref="JobEndpoint"/>, the only target model there is so far.</summary>
    public const string SshTransport = "ssh";

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

    /// <summary>
    /// The target whole (schema 7). target_json, the <see cref="JobEndpoint"/> as
    /// <see cref="EndpointJson"/> writes it, settings and jump hosts included, is the only place a
    /// job's endpoint is read from. user, host and port stay, written from the same endpoint, for
    /// the jobs_host index, listings and ad-hoc SQL; nothing reads them back into an endpoint. The
    /// columns that held the rest (identity_files, known_hosts_files, connect_timeout_ms,
    /// ssh_settings) are dropped, so no second copy can disagree with target_json. Each existing
    /// row's target_json is filled (<see cref="FillTargets"/>) from those columns, read as version
    /// 6 read them, before they go, all in the migration's transaction: a row they do not make
    /// sense of stops the upgrade and the journal stays as it was.
    /// </summary>
    private const string Version7Add = """
        ALTER TABLE jobs ADD COLUMN transport TEXT NOT NULL DEFAULT 'ssh';
        ALTER TABLE jobs ADD COLUMN target_json TEXT;
        """;

    private const string Version7Drop = """
        ALTER TABLE jobs DROP COLUMN identity_files;
        ALTER TABLE jobs DROP COLUMN known_hosts_files;
        ALTER TABLE jobs DROP COLUMN connect_timeout_ms;
        ALTER TABLE jobs DROP COLUMN ssh_settings;
        UPDATE meta SET value = '7' WHERE key = 'schema_version';
        """;

    /// <summary>
    /// The host as the user named it (<see cref="JournalJob.Name"/>). Rows of older versions keep
    /// NULL and are named by their endpoint, as before. An older SessionKeeper would read every row
    /// rightly, but would journal new ones without a name: the version keeps it out.
    /// </summary>
    private const string Version8 = """
        ALTER TABLE jobs ADD COLUMN name TEXT;
        UPDATE meta SET value = '8' WHERE key = 'schema_version';
        """;

    /// <summary>
    /// Leases (schema 9): a daemon supervises an unfinished job only while it holds the job's lease.
    /// lease_owner is the holding daemon's id, lease_expires_at the end of the lease in milliseconds
    /// since the epoch on the journal's own clock (never a workstation's), and lease_token a fencing
    /// token that every claim increments and that never decreases: each write a daemon makes for the
    /// job is conditional on the token it claimed with. daemons lists every daemon that ever
    /// registered, with its last heartbeat (same clock): the live ones share the work. Rows of older
    /// versions are unowned (token 0), for the first daemon to claim. Also answer_json: the target's
    /// last answer about a job, whole (<see cref="StatusJson"/>): what `status` prints of a finished
    /// job without asking again. Rows of older versions keep NULL, and their `status` asks the target
    /// as before. An older SessionKeeper would record new answers without it, so a finished job's
    /// answer could be an earlier one: the version keeps it out.
    /// </summary>
    public const string Version9 = """
        ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
        ALTER TABLE jobs ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN lease_expires_at INTEGER;
        CREATE TABLE daemons (id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, started_at INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL);
        ALTER TABLE jobs ADD COLUMN answer_json TEXT;
        UPDATE meta SET value = '9' WHERE key = 'schema_version';
        """;

    /// <summary>
    /// Sharing (schema 10): a daemon's capacity (its --parallel) beside its heartbeat, so that the
    /// live daemons agree on each one's share; and daemon_refusals, the targets a daemon could not
    /// authenticate to (or whose host key it refused), with why and when: it leaves their jobs to
    /// the other daemons. Rows of older versions have capacity 0, read as "no limit known".
    /// </summary>
    public const string Version10 = """
        ALTER TABLE daemons ADD COLUMN capacity INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE daemon_refusals (daemon_id TEXT NOT NULL, target_user TEXT NOT NULL, target_host TEXT NOT NULL, target_port INTEGER NOT NULL,
            problem TEXT NOT NULL, refused_at INTEGER NOT NULL, PRIMARY KEY (daemon_id, target_user, target_host, target_port));
        UPDATE meta SET value = '10' WHERE key = 'schema_version';
        """;

    /// <summary>Migrations from version N-1 to N, at index N: the journal's path (for messages), its connection and the migration's transaction.</summary>
    private static readonly Action<string, SqliteConnection, SqliteTransaction>[] Steps =
    [
        (_, _, _) => { },
        Sql(Version1),
        Sql(Version2),
        Sql(Version3),
        Sql(Version4),
        Sql(Version5),
        Sql(Version6),
        (path, connection, transaction) =>
        {
            Sql(Version7Add)(path, connection, transaction);
            FillTargets(path, connection, transaction);
            Sql(Version7Drop)(path, connection, transaction);
        },
        Sql(Version8),
        Sql(Version9),
        Sql(Version10),
    ];

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

    /// <summary>
    /// Brings a journal from <paramref name="from"/> to <see cref="Current"/> in one transaction:
    /// any failure rolls every step back.
    /// </summary>
    public static void Migrate(SqliteConnection connection, int from, string path)
    {
        using var transaction = connection.BeginTransaction();
        for (var version = from + 1; version <= Current; version++)
        {
            Steps[version](path, connection, transaction);
        }

        transaction.Commit();
    }

    private static Action<string, SqliteConnection, SqliteTransaction> Sql(string sql) => (_, connection, transaction) =>
    {
        using var step = connection.CreateCommand();
        step.Transaction = transaction;
        step.CommandText = sql;
        step.ExecuteNonQuery();
    };

    /// <summary>
    /// Schema 6 to 7: every row's target_json, from the endpoint columns read exactly as version 6
    /// read them (a "null" list as empty, a NULL ssh_settings as no settings), so an endpoint read
    /// back after the upgrade equals the one read before it. This is the only code that knows the
    /// old shape.
    /// </summary>
    private static void FillTargets(string path, SqliteConnection connection, SqliteTransaction transaction)
    {
        var targets = new List<(long Row, string Json)>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT rowid, id, user, host, port, identity_files, known_hosts_files, connect_timeout_ms, ssh_settings FROM jobs";
            using var r = select.ExecuteReader();
            while (r.Read())
            {
                var id = r.GetValue(1);
                try
                {
                    var endpoint = new JobEndpoint(
                        r.GetString(2),
                        r.GetString(3),
                        r.GetInt32(4),
                        JsonSerializer.Deserialize(r.GetString(5), JournalJson.Default.IReadOnlyListString) ?? [],
                        JsonSerializer.Deserialize(r.GetString(6), JournalJson.Default.IReadOnlyListString) ?? [],
                        TimeSpan.FromMilliseconds(r.GetInt64(7)))
                    {
                        Settings = r.IsDBNull(8) ? null : JsonSerializer.Deserialize(r.GetString(8), EndpointJson.Default.EndpointSettings),
                    };
                    targets.Add((r.GetInt64(0), JsonSerializer.Serialize(endpoint, EndpointJson.Default.JobEndpoint)));
                }
                catch (Exception ex) when (ex is FormatException or InvalidCastException or JsonException or ArgumentException or OverflowException)
                {
                    throw new SessionKeeperException(
                        FailureKind.StateCorrupt,
                        $"the journal {path} holds a malformed job record (job '{id}', upgrading it to schema 7: {ex.Message.TrimEnd('.')}); it was left untouched.",
                        ex);
                }
            }
        }

        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE jobs SET target_json = $target WHERE rowid = $row";
        var rowParameter = update.Parameters.Add("$row", SqliteType.Integer);
        var targetParameter = update.Parameters.Add("$target", SqliteType.Text);
        foreach (var (row, json) in targets)
        {
            rowParameter.Value = row;
            targetParameter.Value = json;
            update.ExecuteNonQuery();
        }
    }
}
