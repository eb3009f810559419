using System.Globalization;
using Microsoft.Data.Sqlite;
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
    /// <summary>The jobs table after every migration, in order: the old columns first, where they were.</summary>
    private static readonly string[] CurrentColumns =
    [
        "id", "user", "host", "port", "identity_files", "known_hosts_files", "connect_timeout_ms", "cookie", "command", "cwd", "env", "shell",
        "timeout_s", "grace_s", "phase", "state", "exit_code", "signal", "lost_reason", "pid", "pgid", "start_time", "boot_id",
        "created_at", "launched_at", "finished_at", "last_seen_at", "mirror_path", "committed_length",
        "attempt", "root_id", "restart_mode", "max_restarts", "restart_delay_ms", "batch_id", "to_be_checked", // schema 2
        "ssh_settings", // schema 3
        "not_launched_reason", // schema 4
        "timeout_ms", "grace_ms", // schema 5
    ];

    private const string LaterColumns = """
        SELECT id, attempt, root_id, restart_mode, max_restarts, restart_delay_ms, batch_id, to_be_checked,
            CASE WHEN ssh_settings IS NULL THEN NULL ELSE 'json' END, not_launched_reason, timeout_ms, grace_ms
        FROM jobs ORDER BY id
        """;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<int, string[]> Fixtures() => new()
    {
        {
            1,
            [
                "'v1-done'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|NULL|10000",
                "'v1-running'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|3600000|5000",
                "'v1-sent'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|1000|1000",
            ]
        },
        {
            2,
            [
                "'v2-batch-1-r2'|2|'v2-batch-1'|'on-failure'|3|1000|'v2-batch'|0|NULL|NULL|600000|10000",
                "'v2-batch-2'|1|NULL|'always'|2|2500|'v2-batch'|1|NULL|NULL|NULL|10000",
                "'v2old-done'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|NULL|10000",
                "'v2old-running'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|3600000|5000",
                "'v2old-sent'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|1000|1000",
            ]
        },
        {
            3,
            [
                "'v3-jump'|1|NULL|'no'|0|0|NULL|0|'json'|NULL|7200000|30000",
                "'v3-sent'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|NULL|10000",
            ]
        },
        {
            4,
            [
                "'v4-bytes'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|1000|2000",
                "'v4-planned'|1|NULL|'no'|0|0|'v4-batch'|0|NULL|NULL|NULL|10000",
                "'v4-refused'|1|NULL|'no'|0|0|'v4-batch'|0|NULL|'host key refused'|NULL|10000",
                "'v4-skipped'|1|NULL|'no'|0|0|'v4-batch'|0|NULL|'--max-failures reached'|NULL|10000",
            ]
        },
        {
            5,
            [
                "'v5-done'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|500|2500",
                "'v5-planned'|1|NULL|'no'|0|0|'v5-batch'|0|NULL|NULL|NULL|10000",
                "'v5-stopped'|1|NULL|'no'|0|0|'v5-batch'|0|NULL|'interrupted before the launch request was sent'|NULL|10000",
            ]
        },
        {
            6,
            [
                "'v6-b1'|1|NULL|'no'|0|0|'v6-batch'|0|NULL|NULL|NULL|10000",
                "'v6-b2'|1|NULL|'no'|0|0|'v6-batch'|0|NULL|'host key refused'|NULL|10000",
                "'v6-b3'|1|NULL|'no'|0|0|'v6-batch'|0|NULL|NULL|NULL|10000",
                "'v6-bytes'|1|NULL|'no'|0|0|NULL|0|'json'|NULL|NULL|10000",
                "'v6-done'|1|NULL|'no'|0|0|NULL|0|NULL|NULL|500|2500",
                "'v6-jump'|1|NULL|'no'|0|0|NULL|1|'json'|NULL|7200000|30000",
                "'v6-root'|1|NULL|'on-failure'|2|1500|NULL|0|'json'|NULL|600000|10000",
                "'v6-root-r2'|2|'v6-root'|'on-failure'|2|1500|NULL|0|'json'|NULL|600000|10000",
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
        var columnsBefore = Query(path, "SELECT name FROM pragma_table_info('jobs') ORDER BY cid").Count;
        var before = Query(path, "SELECT * FROM jobs ORDER BY id");
        var stopsBefore = version >= 6 ? Query(path, "SELECT * FROM batch_stops ORDER BY batch") : [];

        var journal = JobJournal.Open(_dir.Path);

        Assert.Equal([$"'{JournalSchema.Current}'"], Query(path, "SELECT value FROM meta WHERE key = 'schema_version'"));
        Assert.Equal(["'ok'"], Query(path, "PRAGMA integrity_check"));
        Assert.Equal(CurrentColumns.Select(c => $"'{c}'"), Query(path, "SELECT name FROM pragma_table_info('jobs') ORDER BY cid"));
        Assert.Equal(
            ["'jobs_batch'", "'jobs_host'", "'jobs_root'"],
            Query(path, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND name NOT LIKE 'sqlite_%' ORDER BY name"));

        // What the old version wrote is there, value for value and type for type (a BLOB command stays a BLOB).
        var oldColumns = string.Join(", ", CurrentColumns.Take(columnsBefore));
        Assert.Equal(before, Query(path, $"SELECT {oldColumns} FROM jobs ORDER BY id"));

        // The columns it did not have hold what the migrations promise: defaults, seconds as milliseconds.
        Assert.Equal(laterColumns, Query(path, LaterColumns));

        // No batch was stopped in the terms of a version before 6 (each job keeps its own phase);
        // the stops of a later one are kept as they were.
        Assert.Equal(stopsBefore, Query(path, "SELECT * FROM batch_stops ORDER BY batch"));

        // And the current reader takes every row (what it makes of them is checked above, in SQL).
        Assert.Equal(laterColumns.Length, journal.List().Count);
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
