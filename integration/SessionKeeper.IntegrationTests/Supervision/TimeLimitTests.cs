using System.Diagnostics;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// `run --detach --timeout 2s`: the wrapper on the target ends the job (TERM, then KILL after
/// --grace) with no supervisor connected; `wait` then reports it and the journal says timed-out.
/// </summary>
[Collection(SupervisionTests.Name)]
public sealed class TimeLimitTests(SupervisionHost host, ITestOutputHelper output)
{
    [Theory(Timeout = 60_000)]
    [InlineData("sleep 30", PosixSignals.SIGTERM)]
    [InlineData("trap '' TERM; sleep 30", PosixSignals.SIGKILL)]
    public async Task A_time_limit_ends_a_job_with_no_supervisor_connected(string command, int signal)
    {
        var workstation = host.NewWorkstation("limit");
        var id = SupervisionHost.NewJobId("limit");
        var clock = Stopwatch.StartNew();
        var run = await workstation.RunAsync(host.RunArguments(id, command, ["--detach", "--timeout", "2s", "--grace", "1s"]));
        Assert.True(run.ExitCode == 0, run.ToString());

        // Nothing of ours runs now: the exit record can only come from the wrapper on the target.
        var exitFile = Path.Combine(host.JobDir(id), "exit");
        await Poll.UntilAsync(() => File.Exists(exitFile), TimeSpan.FromSeconds(15), "the wrapper to end the job");
        var ended = clock.Elapsed;
        var wait = await workstation.RunAsync(["wait", id]);
        var entry = await workstation.JobAsync(id);
        output.WriteLine($"ended after {ended.TotalSeconds:0.0} s: {File.ReadAllText(exitFile).Trim()}; wait exit {wait.ExitCode}: {wait.Stderr.Trim()}; journal {entry}");

        Assert.InRange(ended, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(signal == PosixSignals.SIGKILL ? 8 : 6));
        Assert.Equal(128 + signal, wait.ExitCode);
        Assert.Contains("timed out", wait.Stderr, StringComparison.Ordinal);
        Assert.Equal(("timed-out", signal), (entry.State, entry.Signal));
    }
}
