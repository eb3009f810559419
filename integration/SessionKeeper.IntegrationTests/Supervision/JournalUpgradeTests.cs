namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>A journal written by schema version 1 (the kept fixture) works through the CLI.</summary>
[Collection(SupervisionTests.Name)]
public sealed class JournalUpgradeTests(SupervisionHost host)
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

    /// <summary>tests/SessionKeeper.Tests/Fixtures/journal-v1.db, found from the test assembly upwards.</summary>
    private static string FixturePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "SessionKeeper.Tests", "Fixtures", "journal-v1.db");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"journal-v1.db not found above {AppContext.BaseDirectory}");
    }
}
