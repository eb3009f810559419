using SessionKeeper.Core.Remote;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// Every remote call is bounded on the target itself: closing the channel from the client ends
/// nothing there, so a call stuck on the target (as a read of a FIFO once was) must be ended by
/// its own deadline, with everything it started. Here the runner is sent over a real sshd by the
/// OpenSSH client, stuck at the runner's test hook, and the client is killed: the call's process
/// group must still go away once its (test-shortened) deadline has passed.
/// </summary>
public sealed class RemoteDeadlineTests(JobsHost host) : IClassFixture<JobsHost>
{
    private const string Stuck = "2147483647";

    [Fact(Timeout = 120_000)]
    public async Task A_call_stuck_on_the_target_is_ended_by_its_own_deadline_after_its_client_is_gone()
    {
        var payload = new RunnerRequest(Verbs.List).Set(RequestVariables.Fault, "remote-stuck").Set(RequestVariables.Deadline, 3).ToPayload();
        await using var ssh = host.Sshd.StartOpenSsh(RunnerRequest.RemoteCommand, new OpenSshOptions { KeepStdinOpen = true });
        await ssh.WriteStdinAsync(payload);

        await Poll.UntilAsync(() => StuckSleeps().Count > 0, TimeSpan.FromSeconds(60), "the runner to reach its stuck hook");
        ssh.Kill();
        await ssh.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        // The hook sleeps for 68 years: only the deadline can end it within the minute.
        await Poll.UntilAsync(() => StuckSleeps().Count == 0 && RunnerShells().Count == 0, TimeSpan.FromSeconds(60), "the stuck call and its runner shell to be ended by the deadline");
    }

    /// <summary>The runner's stuck hook (`sleep 2147483647`) in a session of this sshd.</summary>
    private List<int> StuckSleeps() =>
        [.. Ours().Where(p => ProcFs.ReadCommandLine(p.Pid).Contains(Stuck, StringComparison.Ordinal)).Select(p => p.Pid)];

    /// <summary>Runner shells (`/bin/sh -s`) in a session of this sshd.</summary>
    private List<int> RunnerShells() =>
        [.. Ours().Where(p => ProcFs.ReadCommandLine(p.Pid).Contains(" -s", StringComparison.Ordinal)).Select(p => p.Pid)];

    private IEnumerable<ProcStat> Ours()
    {
        var marker = $"{SshdFixture.MarkerVariable}={host.Sshd.TempDir}";
        return ProcFs.Snapshot().Where(p => !p.IsZombie && ProcFs.EnvironmentContains(p.Pid, marker));
    }
}
