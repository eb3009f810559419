using System.Globalization;
using Microsoft.Data.Sqlite;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Journal;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Journal;

/// <summary>
/// Every older journal schema, upgraded by the current code and checked with SQL written here: the
/// fixtures (Fixtures/journal-vN.sql) are the schemas as each version really created them and rows
/// as it wrote them, by hand, and nothing is read back through the product's reader, so the
/// upgrade is not compared with itself.
/// </summary>
public sealed class JournalUpgradeSqlTests : IDisposable
{
    /// <summary>
    /// The jobs table after every migration, in order: the old columns first, where they were, less
    /// identity_files, known_hosts_files, connect_timeout_ms (schema 1) and ssh_settings (schema 3),
    /// which schema 7 moved into target_json.
    /// </summary>
    private static readonly string[] CurrentColumns =
    [
        "id", "user", "host", "port", "cookie", "command", "cwd", "env", "shell",
        "timeout_s", "grace_s", "phase", "state", "exit_code", "signal", "lost_reason", "pid", "pgid", "start_time", "boot_id",
        "created_at", "launched_at", "finished_at", "last_seen_at", "mirror_path", "committed_length",
        "attempt", "root_id", "restart_mode", "max_restarts", "restart_delay_ms", "batch_id", "to_be_checked", // schema 2
        "not_launched_reason", // schema 4
        "timeout_ms", "grace_ms", // schema 5
        "transport", "target_json", // schema 7
        "name", // schema 8
        "lease_owner", "lease_token", "lease_expires_at", "answer_json", // schema 9
    ];

    private const string LaterColumns = """
        SELECT id, attempt, root_id, restart_mode, max_restarts, restart_delay_ms, batch_id, to_be_checked,
            CASE WHEN json_type(target_json, '$.settings') IS NULL THEN NULL ELSE 'json' END, not_launched_reason, timeout_ms, grace_ms, name, lease_owner, lease_token, lease_expires_at, answer_json
        FROM jobs ORDER BY id
        """;

    /// <summary>
    /// A row's endpoint in the columns of versions 1 to 6: the lists as JSON (minified by SQLite),
    /// the connect timeout as the text a TimeSpan is in JSON ([d.]hh:mm:ss[.fffffff]; the fixtures'
    /// are all under a day).
    /// </summary>
    private const string EndpointBefore = """
        SELECT id, user, host, port, json(identity_files), json(known_hosts_files),
            printf('%02d:%02d:%02d', connect_timeout_ms / 3600000, connect_timeout_ms / 60000 % 60, connect_timeout_ms / 1000 % 60)
                || CASE WHEN connect_timeout_ms % 1000 = 0 THEN '' ELSE printf('.%07d', connect_timeout_ms % 1000 * 10000) END
        FROM jobs ORDER BY id
        """;

    /// <summary>The same, from target_json alone (schema 7).</summary>
    private const string EndpointAfter = """
        SELECT id, json_extract(target_json, '$.user'), json_extract(target_json, '$.host'), json_extract(target_json, '$.port'),
            json_extract(target_json, '$.identityFiles'), json_extract(target_json, '$.knownHostsFiles'), json_extract(target_json, '$.connectTimeout')
        FROM jobs ORDER BY id
        """;

    /// <summary>
    /// Every node of a row's ssh_settings (versions 3 to 6), jump hosts and their settings
    /// included: path, JSON type and value. A hop's label is left out: it was written (derived
    /// from user, host and port) but never read, and schema 7 no longer writes it.
    /// </summary>
    private const string SettingsBefore = """
        SELECT jobs.id, t.fullkey, t.type, t.atom FROM jobs, json_tree(jobs.ssh_settings) AS t
        WHERE t.key IS NOT 'label' ORDER BY jobs.id, t.fullkey
        """;

    /// <summary>The same nodes under target_json's settings (schema 7), their paths made relative to it.</summary>
    private const string SettingsAfter = """
        SELECT jobs.id, '$' || substr(t.fullkey, length('$.settings') + 1) AS path, t.type, t.atom FROM jobs, json_tree(jobs.target_json, '$.settings') AS t
        ORDER BY jobs.id, path
        """;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<int, string[]> Fixtures() => new()
    {
        {
            1,
            [
                "'v1-done'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|NULL|10000|NULL|NULL|0|NULL|NULL",
                "'v1-running'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|3600000|5000|NULL|NULL|0|NULL|NULL",
                "'v1-sent'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|1000|1000|NULL|NULL|0|NULL|NULL",
            ]
        },
        {
            2,
            [
                "'v2-batch-1-r2'|2|'v2-batch-1'|'on-failure'|3|1000|'v2-batch'|0|NULL|NULL|600000|10000|NULL|NULL|0|NULL|NULL",
                "'v2-batch-2'|1|NULL|'always'|2|2500|'v2-batch'|1|NULL|NULL|NULL|10000|NULL|NULL|0|NULL|NULL",
                "'v2old-done'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|NULL|10000|NULL|NULL|0|NULL|NULL",
                "'v2old-running'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|3600000|5000|NULL|NULL|0|NULL|NULL",
                "'v2old-sent'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|1000|1000|NULL|NULL|0|NULL|NULL",
            ]
        },
        {
            3,
            [
                "'v3-jump'|1|NULL|'no'|0|0|NULL|0|'json'|NULL|7200000|30000|NULL|NULL|0|NULL|NULL",
                "'v3-sent'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|NULL|10000|NULL|NULL|0|NULL|NULL",
            ]
        },
        {
            4,
            [
                "'v4-bytes'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|1000|2000|NULL|NULL|0|NULL|NULL",
                "'v4-planned'|1|NULL|'no'|0|0|'v4-batch'|0|NULL|NULL|NULL|10000|NULL|NULL|0|NULL|NULL",
                "'v4-refused'|1|NULL|'no'|0|0|'v4-batch'|0|NULL|'host key refused'|NULL|10000|NULL|NULL|0|NULL|NULL",
                "'v4-skipped'|1|NULL|'no'|0|0|'v4-batch'|0|NULL|'--max-failures reached'|NULL|10000|NULL|NULL|0|NULL|NULL",
            ]
        },
        {
            5,
            [
                "'v5-done'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|500|2500|NULL|NULL|0|NULL|NULL",
                "'v5-planned'|1|NULL|'no'|0|0|'v5-batch'|0|NULL|NULL|NULL|10000|NULL|NULL|0|NULL|NULL",
                "'v5-stopped'|1|NULL|'no'|0|0|'v5-batch'|0|NULL|'interrupted before the launch request was sent'|NULL|10000|NULL|NULL|0|NULL|NULL",
            ]
        },
        {
            6,
            [
                "'v6-b1'|1|NULL|'no'|0|0|'v6-batch'|0|NULL|NULL|NULL|10000|NULL|NULL|0|NULL|NULL",
                "'v6-b2'|1|NULL|'no'|0|0|'v6-batch'|0|NULL|'host key refused'|NULL|10000|NULL|NULL|0|NULL|NULL",
                "'v6-b3'|1|NULL|'no'|0|0|'v6-batch'|0|NULL|NULL|NULL|10000|NULL|NULL|0|NULL|NULL",
                "'v6-bytes'|1|NULL|'no'|0|0|NULL|0|'json'|NULL|NULL|10000|NULL|NULL|0|NULL|NULL",
                "'v6-done'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|500|2500|NULL|NULL|0|NULL|NULL",
                "'v6-jump'|1|NULL|'no'|0|0|NULL|1|'json'|NULL|7200000|30000|NULL|NULL|0|NULL|NULL",
                "'v6-root'|1|NULL|'on-failure'|2|1500|NULL|0|'json'|NULL|600000|10000|NULL|NULL|0|NULL|NULL",
                "'v6-root-r2'|2|'v6-root'|'on-failure'|2|1500|NULL|0|'json'|NULL|600000|10000|NULL|NULL|0|NULL|NULL",
            ]
        },
        {
            7,
            [
                "'v7-b1'|1|NULL|'no'|0|0|'v7-batch'|0|'json'|NULL|NULL|10000|NULL|NULL|0|NULL|NULL",
                "'v7-b2'|1|NULL|'no'|0|0|'v7-batch'|0|'json'|NULL|NULL|10000|NULL|NULL|0|NULL|NULL",
                "'v7-b2-r2'|2|'v7-b2'|'no'|0|0|'v7-batch'|0|'json'|'connection refused'|NULL|10000|NULL|NULL|0|NULL|NULL",
                "'v7-done'|1|NULL|'no'|0|0|NULL|0|'json'|NULL|500|2500|NULL|NULL|0|NULL|NULL",
            ]
        },
        {
            8,
            [
                "'v8-b1'|1|NULL|'no'|0|0|'v8-batch'|0|'json'|NULL|NULL|10000|'web-1'|NULL|0|NULL|NULL",
                "'v8-b2'|1|NULL|'always'|3|2000|'v8-batch'|1|'json'|NULL|NULL|10000|'web-2'|NULL|0|NULL|NULL",
                "'v8-sent'|1|NULL|'no'|0|0|NULL|0|'json'|NULL|NULL|10000|NULL|NULL|0|NULL|NULL",
            ]
        },
        {
            9,
            [
                "'v9-done'|1|NULL|'no'|0|0|NULL|0|'json'|NULL|NULL|10000|'db-1'|NULL|1|NULL|NULL",
                "'v9-run'|1|NULL|'on-failure'|2|1000|NULL|0|'json'|NULL|NULL|10000|'db-2'|NULL|2|NULL|NULL",
                "'v9-sent'|1|NULL|'no'|0|0|NULL|0|'json'|NULL|NULL|10000|NULL|NULL|1|NULL|NULL",
            ]
        },
    };

    /// <summary>
    /// Every older version has its fixture; the current version may have one too, written before
    /// the migration that leaves it behind (Fixtures/README.md), but none is newer.
    /// </summary>
    [Fact]
    public void There_is_a_fixture_for_every_older_schema_version()
    {
        var versions = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures"), "journal-v*.sql")
            .Select(f => int.Parse(Path.GetFileNameWithoutExtension(f)["journal-v".Length..], CultureInfo.InvariantCulture))
            .Order()
            .ToList();
        Assert.Equal(Enumerable.Range(1, JournalSchema.Current - 1), versions.Where(v => v < JournalSchema.Current));
        Assert.All(versions, v => Assert.InRange(v, 1, JournalSchema.Current));
        Assert.Equal(Fixtures().Select(row => (int)row[0]), versions);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void An_older_journal_upgrades_keeping_every_value(int version, string[] laterColumns)
    {
        var path = Path.Combine(_dir.Path, JobJournal.FileName);
        Execute(path, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", $"journal-v{version}.sql")));
        Assert.Equal([$"'{version}'"], Query(path, "SELECT value FROM meta WHERE key = 'schema_version'"));
        var columnsBefore = Query(path, "SELECT name FROM pragma_table_info('jobs') ORDER BY cid");
        var kept = string.Join(", ", CurrentColumns.Where(c => columnsBefore.Contains($"'{c}'")));
        var before = Query(path, $"SELECT {kept} FROM jobs ORDER BY id");
        var endpointBefore = Query(path, version >= 7 ? EndpointAfter : EndpointBefore);
        var settingsBefore = version >= 7 ? Query(path, SettingsAfter) : version >= 3 ? Query(path, SettingsBefore) : [];
        var stopsBefore = version >= 6 ? Query(path, "SELECT * FROM batch_stops ORDER BY batch") : [];

        var journal = JobJournal.Open(_dir.Path);

        Assert.Equal([$"'{JournalSchema.Current}'"], Query(path, "SELECT value FROM meta WHERE key = 'schema_version'"));
        Assert.Equal(["'ok'"], Query(path, "PRAGMA integrity_check"));
        Assert.Equal(CurrentColumns.Select(c => $"'{c}'"), Query(path, "SELECT name FROM pragma_table_info('jobs') ORDER BY cid"));
        Assert.Equal(
            ["'jobs_batch'", "'jobs_host'", "'jobs_root'"],
            Query(path, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND name NOT LIKE 'sqlite_%' ORDER BY name"));

        // What the old version wrote is there, value for value and type for type (a BLOB command stays a BLOB).
        Assert.Equal(before, Query(path, $"SELECT {kept} FROM jobs ORDER BY id"));

        // The endpoint columns schema 7 dropped are in target_json, row by row, field by field, and
        // every row is an ssh one.
        Assert.Equal(endpointBefore, Query(path, EndpointAfter));
        Assert.Equal(settingsBefore, Query(path, SettingsAfter));
        Assert.Equal([$"{laterColumns.Length}"], Query(path, "SELECT count(*) FROM jobs WHERE transport = 'ssh' AND json_type(target_json) = 'object'"));

        // The columns it did not have hold what the migrations promise: defaults, seconds as milliseconds.
        Assert.Equal(laterColumns, Query(path, LaterColumns));

        // No batch was stopped in the terms of a version before 6 (each job keeps its own phase);
        // the stops of a later one are kept as they were.
        Assert.Equal(stopsBefore, Query(path, "SELECT * FROM batch_stops ORDER BY batch"));

        // Schema 9's daemons table starts empty: no daemon has registered with an older journal.
        Assert.Equal(["0"], Query(path, "SELECT count(*) FROM daemons"));

        // Schema 10's capacities and refusals: a column of daemons, an empty table.
        Assert.Equal(["'capacity'"], Query(path, "SELECT name FROM pragma_table_info('daemons') WHERE name = 'capacity'"));
        Assert.Equal(["0"], Query(path, "SELECT count(*) FROM daemon_refusals"));

        // And the current reader takes every row (what it makes of them is checked above, in SQL).
        Assert.Equal(laterColumns.Length, journal.List().Count);
    }

    [Fact]
    public void A_version_6_row_the_upgrade_cannot_read_stops_it_and_the_journal_stays_as_it_was()
    {
        var path = Path.Combine(_dir.Path, JobJournal.FileName);
        Execute(path, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "journal-v6.sql")));
        Execute(path, "UPDATE jobs SET known_hosts_files = '[\"/home/u/.ssh/known_hosts\"' WHERE id = 'v6-jump'");
        var before = Query(path, "SELECT * FROM jobs ORDER BY id");

        var error = Assert.Throws<SessionKeeperException>(() => JobJournal.Open(_dir.Path));

        Assert.Equal(FailureKind.StateCorrupt, error.Kind);
        Assert.StartsWith($"the journal {path} holds a malformed job record (job 'v6-jump', upgrading it to schema 7: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("; it was left untouched.", error.Message, StringComparison.Ordinal);
        Assert.Equal(["'6'"], Query(path, "SELECT value FROM meta WHERE key = 'schema_version'"));
        Assert.Equal(before, Query(path, "SELECT * FROM jobs ORDER BY id"));
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Each row as its values joined by '|': NULL, numbers bare, text quoted, BLOBs as x'hex'.</summary>
    private static List<string> Query(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i) switch
            {
                DBNull => "NULL",
                byte[] bytes => $"x'{Convert.ToHexString(bytes)}'",
                string text => $"'{text}'",
                var number => Convert.ToString(number, CultureInfo.InvariantCulture)!,
            })));
        }

        return rows;
    }
}
