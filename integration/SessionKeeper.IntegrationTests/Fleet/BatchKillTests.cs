using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// `batch kill B` stops every launched job of a batch, one line per host, and the journal records
/// how each ended; `--signal` sends one signal and nothing more.
/// </summary>
public sealed class BatchKillTests(FleetHost host, ITestOutputHelper output) : IClassFixture<FleetHost>
{
    [Fact(Timeout = 120_000)]
    public async Task Batch_kill_stops_every_launched_job_and_the_journal_records_it()
    {
        await using var lab = host.NewLab("bkill");
        var targets = lab.Add(TargetKind.Good, 3);
        var command = FleetJob.Prelude(lab.CounterDir) + "trap 'echo usr1' USR1; while :; do sleep 1; done";
        var started = await lab.RunAsync(lab.RunArguments(command, ["-d", "-j", "3"], FleetLab.HostList(targets)));
        Assert.True(started.ExitCode == 0, started.ToString());
        Assert.Equal(lab.BatchId, started.StdoutText.Trim());

        // One signal first: every job gets it and keeps running.
        var signalled = await lab.RunAsync(["batch", "kill", lab.BatchId, "--signal", "USR1"]);
        output.WriteLine($"batch kill --signal USR1: {signalled}");
        Assert.True(signalled.ExitCode == 0, signalled.ToString());
        var lines = Lines(signalled.StdoutText);
        Assert.Equal(targets.Select(t => lab.JobId(t)).Order(), lines.Select(l => l[1]).Order());
        Assert.All(lines, l => Assert.Equal(("SIGUSR1", "running"), (l[2], l[3])));

        var killed = await lab.RunAsync(["batch", "kill", lab.BatchId, "--grace", "5s"]);
        output.WriteLine($"batch kill: {killed}");
        Assert.True(killed.ExitCode == 0, killed.ToString());
        lines = Lines(killed.StdoutText);
        Assert.Equal(targets.Select(t => (t.Label, lab.JobId(t))).Order(), lines.Select(l => (l[0], l[1])).Order());
        Assert.All(lines, l => Assert.Equal(("SIGTERM", "killed by signal 15 (SIGTERM)"), (l[2], l[3])));

        var journal = await lab.JournalAsync();
        Assert.All(targets, t => Assert.Equal("killed", Assert.Single(journal, r => r.Id == lab.JobId(t)).State));
    }

    private static List<string[]> Lines(string stdout) => [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t'))];
}
