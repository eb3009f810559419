using System.Globalization;
using Microsoft.Data.Sqlite;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// Journals of older schema versions work through the CLI: the kept v1 database, and each
/// hand-written SQL fixture (tests/SessionKeeper.Tests/Fixtures/journal-vN.sql), whose listing is
/// checked against what the test expects and whose upgrade is checked with SQL of its own.
/// </summary>
public sealed class JournalUpgradeTests(SupervisionHost host) : IClassFixture<SupervisionHost>
{
    [Fact(Timeout = 60_000)]
    public async Task Jobs_lists_a_version_1_journal()
    {
        var workstation = host.NewWorkstation("v1");
        var fixture = FixturePath();
        var original = await File.ReadAllBytesAsync(fixture);
        File.Copy(fixture, workstation.JournalPath);

        var text = await workstation.RunAsync(["jobs"]);
        var entries = await workstation.JobsAsync();
        var unfinished = await workstation.RunAsync(["jobs", "--state", "unfinished", "--json"]);

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("v1old-job1", text.StdoutText, StringComparison.Ordinal);
        Assert.Equal(["v1old-job1", "v1old-job2"], entries.Select(e => e.Id));
        Assert.Equal(new JournalEntry("v1old-job1", "exited", "finished", 3, null, 1, null, "/home/u/.local/state/sessionkeeper/mirrors/deploy@web1.example.com_2222/v1old-job1.log", entries[0].CommittedLength), entries[0]);
        Assert.Equal(("running", "launched", (int?)null, 1), (entries[1].State, entries[1].Phase, entries[1].ExitCode, entries[1].Attempt));
        Assert.Equal(["v1old-job2"], JournalEntry.ParseArray(unfinished.StdoutText).Select(e => e.Id));
        Assert.Equal(original, await File.ReadAllBytesAsync(fixture));
    }

    [Theory(Timeout = 120_000)]
    [InlineData(1, "v1-done exited finished|v1-running running launched|v1-sent launching intent")]
    [InlineData(2, "v2old-done exited finished|v2old-running running launched|v2old-sent launching intent|v2-batch-1-r2 killed finished|v2-batch-2 to-be-checked launched")]
    [InlineData(3, "v3-jump running launched|v3-sent launching intent")]
    [InlineData(4, "v4-bytes timed-out finished|v4-planned planned planned|v4-refused not-launched not-launched|v4-skipped skipped skipped")]
    [InlineData(5, "v5-done timed-out finished|v5-planned planned planned|v5-stopped not-launched not-launched")]
    [InlineData(6, "v6-done exited finished|v6-jump to-be-checked launched|v6-bytes killed finished|v6-root exited finished|v6-root-r2 running launched|v6-b1 lost finished|v6-b2 not-launched not-launched|v6-b3 not-launched not-launched")]
    [InlineData(7, "v7-done exited finished|v7-b1 exited finished|v7-b2 exited finished|v7-b2-r2 not-launched not-launched")]
    [InlineData(8, "v8-b1 exited finished|v8-b2 to-be-checked launched|v8-sent launching intent")]
    [InlineData(9, "v9-done exited finished|v9-run running launched|v9-sent launching intent")]
    public async Task Jobs_lists_a_hand_written_journal_of_each_older_version_and_upgrades_it(int version, string expected)
    {
        var workstation = host.NewWorkstation($"sql-v{version}");
        Directory.CreateDirectory(Path.GetDirectoryName(workstation.JournalPath)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using (var connection = Connect(workstation.JournalPath))
        using (var create = connection.CreateCommand())
        {
            create.CommandText = await File.ReadAllTextAsync(FixturePath($"journal-v{version}.sql"));
            create.ExecuteNonQuery();
        }

        var before = Rows(workstation.JournalPath, "SELECT id, phase, state, command, timeout_s, grace_s FROM jobs ORDER BY id");
        var entries = await workstation.JobsAsync();

        Assert.Equal(expected.Split('|'), entries.Select(e => $"{e.Id} {e.State} {e.Phase}"));
        Assert.Equal([JournalSchema.Current.ToString(CultureInfo.InvariantCulture)], Rows(workstation.JournalPath, "SELECT value FROM meta WHERE key = 'schema_version'"));
        Assert.Equal(before, Rows(workstation.JournalPath, "SELECT id, phase, state, command, timeout_s, grace_s FROM jobs ORDER BY id"));
        if (version >= 5)
        {
            return; // milliseconds written by version 5 itself, not carried over from seconds
        }

        Assert.Equal(
            Rows(workstation.JournalPath, "SELECT id, timeout_s * 1000, grace_s * 1000 FROM jobs ORDER BY id"),
            Rows(workstation.JournalPath, "SELECT id, timeout_ms, grace_ms FROM jobs ORDER BY id"));
    }

    private static SqliteConnection Connect(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=false");
        connection.Open();
        return connection;
    }

    /// <summary>Each row as its values joined by '|' (NULL for null, BLOBs in hex), read with SQL rather than the product's reader.</summary>
    private static List<string> Rows(string path, string sql)
    {
        using var connection = Connect(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i) switch
            {
                DBNull => "NULL",
                byte[] bytes => Convert.ToHexString(bytes),
                var value => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
            })));
        }

        return rows;
    }

    /// <summary>A file of tests/SessionKeeper.Tests/Fixtures, found from the test assembly upwards.</summary>
    private static string FixturePath(string name = "journal-v1.db")
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "SessionKeeper.Tests", "Fixtures", name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"{name} not found above {AppContext.BaseDirectory}");
    }
}
