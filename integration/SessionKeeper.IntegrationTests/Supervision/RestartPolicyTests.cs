using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// `--restart on-failure --max-restarts 5`: a job that fails twice and then succeeds runs exactly
/// three times, whether a foreground run or the daemon carries the policy out, and the journal
/// holds the three attempts with their exit statuses.
/// </summary>
public sealed class RestartPolicyTests(SupervisionHost host, ITestOutputHelper output) : IClassFixture<SupervisionHost>
{
    private static readonly string[] Policy = ["--restart", "on-failure", "--max-restarts", "5", "--restart-delay", "200ms"];

    [Fact(Timeout = 60_000)]
    public async Task A_foreground_run_restarts_a_job_failing_twice_then_succeeding_exactly_twice()
    {
        var workstation = host.NewWorkstation("restart");
        var (id, counter, command) = FailsTwice("rfg");

        var run = await workstation.RunAsync(host.RunArguments(id, command, [.. Policy, .. SupervisionHost.Fast]), timeout: TimeSpan.FromSeconds(40));

        output.WriteLine(run.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("attempt 1\nattempt 2\nattempt 3\n", run.StdoutText);
        Assert.Equal(2, run.Stderr.Split('\n').Count(l => l.Contains("restarting", StringComparison.Ordinal)));
        await AssertThreeAttemptsAsync(workstation, id, counter);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_daemon_restarts_a_detached_job_failing_twice_then_succeeding_exactly_twice()
    {
        var workstation = host.NewWorkstation("restartd");
        var (id, counter, command) = FailsTwice("rdm");
        var run = await workstation.RunAsync(host.RunArguments(id, command, [.. Policy, "--detach"]));
        Assert.True(run.ExitCode == 0, run.ToString());

        await using var daemon = workstation.StartDaemon();
        await workstation.WaitForJournalAsync(j => j.Any(e => e.Id == $"{id}-r3" && e.Phase == "finished"), TimeSpan.FromSeconds(30), "the third attempt finished");
        daemon.Signal(PosixSignals.SIGTERM);
        var stopped = await daemon.WaitForResultAsync(TimeSpan.FromSeconds(20));
        output.WriteLine(stopped.Stderr);
        Assert.Equal(0, stopped.ExitCode);
        await AssertThreeAttemptsAsync(workstation, id, counter);
    }

    /// <summary>Appends to a counter file, prints its attempt number, fails (3) twice, then exits 0.</summary>
    private (string Id, string Counter, string Command) FailsTwice(string prefix)
    {
        var id = SupervisionHost.NewJobId(prefix);
        var counter = host.TempFile(id + ".count");
        return (id, counter, $"echo x >> '{counter}'; n=$(wc -l < '{counter}'); echo \"attempt $n\"; [ $n -ge 3 ] && exit 0; exit 3");
    }

    private async Task AssertThreeAttemptsAsync(Workstation workstation, string id, string counter)
    {
        var attempts = (await workstation.JobsAsync()).OrderBy(e => e.Attempt).ToList();
        output.WriteLine(string.Join('\n', attempts));
        Assert.Equal("x\nx\nx\n", await File.ReadAllTextAsync(counter));
        Assert.Equal([id, $"{id}-r2", $"{id}-r3"], attempts.Select(a => a.Id));
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        Assert.Equal([null, id, id], attempts.Select(a => a.RootId));
        Assert.Equal([3, 3, 0], attempts.Select(a => a.ExitCode));
        Assert.All(attempts, a => Assert.Equal(("finished", "exited"), (a.Phase, a.State)));
        for (var n = 1; n <= 3; n++)
        {
            Assert.Equal($"attempt {n}\n", System.Text.Encoding.UTF8.GetString(workstation.ReadMirror(attempts[n - 1].Id)));
        }
    }
}
