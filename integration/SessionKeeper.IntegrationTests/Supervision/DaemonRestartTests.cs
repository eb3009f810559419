using System.Diagnostics;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// The daemon is SIGKILLed and started again while its jobs run and their links are cut: it
/// reattaches every one, completes the mirrors byte for byte and records the exit codes. A job it
/// cannot reach when it starts again is "to be checked", never "killed", until it gets through.
/// </summary>
[Collection(SupervisionTests.Name)]
public sealed class DaemonRestartTests(SupervisionHost host, ITestOutputHelper output)
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(20);

    [Fact(Timeout = 120_000)]
    public async Task A_daemon_killed_and_restarted_while_links_are_cut_reattaches_every_job()
    {
        var workstation = host.NewWorkstation("daemon");
        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var jobs = await LaunchAsync(workstation, proxy, "dmn", [0, 4, 9]);
        var clock = Stopwatch.StartNew();

        await using (var first = workstation.StartDaemon())
        {
            await WaitForMirrorsToGrowAsync(workstation, jobs, "the first daemon");
            var reset = proxy.ResetAll();
            await Poll.UntilAsync(() => Occurrences(first.StderrText, "connection lost") >= jobs.Count, Step, () => $"the daemon to see the cut\n{first.StderrText}");
            first.Signal(PosixSignals.SIGKILL);
            Assert.Equal(128 + PosixSignals.SIGKILL, await first.WaitForExitAsync().WaitAsync(Step));
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {reset} connections reset, first daemon SIGKILLed while reconnecting");
        }

        // The link stays dead while the daemon comes back.
        proxy.BlackHole();
        await using var second = workstation.StartDaemon();
        await Poll.UntilAsync(() => second.StderrText.Contains("marked to be checked", StringComparison.Ordinal), Step, () => $"the second daemon to start\n{second.StderrText}");
        var atRestart = await workstation.JobsAsync();
        Assert.All(atRestart, j => Assert.Equal("to-be-checked", j.State));
        proxy.ResetAll();
        proxy.Resume();
        await WaitForMirrorsToGrowAsync(workstation, jobs, "the second daemon");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: second daemon reattached all {jobs.Count} jobs after a black hole");

        // A cut of the other kind: the per-connection sshd processes die.
        var sessions = host.Sshd.SessionProcesses();
        foreach (var session in sessions)
        {
            SshdFixture.Signal(session.Pid, PosixSignals.SIGKILL);
        }

        await WaitForMirrorsToGrowAsync(workstation, jobs, "the second daemon after the sshd kill");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {sessions.Count} sshd session processes SIGKILLed, all jobs streaming again");
        foreach (var job in jobs)
        {
            await File.WriteAllTextAsync(job.StopFile, "");
        }

        var finished = await workstation.WaitForJournalAsync(j => j.Count == jobs.Count && j.All(e => e.Phase == "finished"), TimeSpan.FromSeconds(30), "every job finished");
        Assert.True(second.Signal(PosixSignals.SIGTERM));
        var stopped = await second.WaitForResultAsync(Step);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: all finished; daemon stopped by SIGTERM with exit {stopped.ExitCode}; {proxy.TotalConnections} connections through the proxy");
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        AssertComplete(workstation, jobs, finished);
    }

    [Fact(Timeout = 90_000)]
    public async Task A_job_unreachable_when_the_daemon_restarts_is_to_be_checked_until_contact_not_killed()
    {
        var workstation = host.NewWorkstation("check");
        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var unreachable = (await LaunchAsync(workstation, proxy, "far", [6]))[0];
        var reachable = (await LaunchAsync(workstation, null, "near", [2]))[0];
        List<DaemonJob> jobs = [unreachable, reachable];

        await using (var first = workstation.StartDaemon())
        {
            await WaitForMirrorsToGrowAsync(workstation, jobs, "the first daemon");
            first.Signal(PosixSignals.SIGKILL);
            await first.WaitForExitAsync().WaitAsync(Step);
        }

        proxy.Refuse();
        proxy.ResetAll();
        await using var second = workstation.StartDaemon();
        await Poll.UntilAsync(() => proxy.RefusedConnections >= 2, Step, () => $"the daemon to be refused twice\n{second.StderrText}");
        var seen = await workstation.WaitForJournalAsync(j => j.Single(e => e.Id == reachable.Id).State == "running", Step, $"{reachable.Id} running again");
        var far = seen.Single(e => e.Id == unreachable.Id);
        output.WriteLine($"after the restart, {proxy.RefusedConnections} connections refused: {string.Join("; ", seen)}");
        Assert.Equal(("to-be-checked", "launched", (int?)null), (far.State, far.Phase, far.ExitCode));
        Assert.True(JobIsAlive(unreachable.Id), "the unreachable job is not running on its host any more");

        proxy.Resume();
        await workstation.WaitForJournalAsync(j => j.Single(e => e.Id == unreachable.Id).State == "running", Step, $"{unreachable.Id} running after contact");
        await WaitForMirrorsToGrowAsync(workstation, jobs, "the second daemon");
        foreach (var job in jobs)
        {
            await File.WriteAllTextAsync(job.StopFile, "");
        }

        var finished = await workstation.WaitForJournalAsync(j => j.All(e => e.Phase == "finished"), TimeSpan.FromSeconds(30), "both jobs finished");
        second.Signal(PosixSignals.SIGTERM);
        Assert.Equal(0, await second.WaitForExitAsync().WaitAsync(Step));
        AssertComplete(workstation, jobs, finished);
    }

    private async Task<List<DaemonJob>> LaunchAsync(Workstation workstation, FaultProxy? proxy, string prefix, int[] exitCodes)
    {
        var jobs = new List<DaemonJob>();
        foreach (var code in exitCodes)
        {
            var id = SupervisionHost.NewJobId(prefix);
            var job = new DaemonJob(id, host.TempFile(id + ".stop"), code);
            var run = await workstation.RunAsync(host.RunArguments(id, SequenceJob.Command(job.StopFile, code), ["--detach"], proxy));
            Assert.True(run.ExitCode == 0, $"run --detach: {run}");
            jobs.Add(job);
        }

        return jobs;
    }

    private void AssertComplete(Workstation workstation, IReadOnlyList<DaemonJob> jobs, IReadOnlyList<JournalEntry> journal)
    {
        foreach (var job in jobs)
        {
            var remote = File.ReadAllBytes(host.RemoteLog(job.Id));
            var mirror = workstation.ReadMirror(job.Id);
            var lines = SequenceJob.Analyze(mirror);
            var entry = journal.Single(e => e.Id == job.Id);
            output.WriteLine($"{job.Id}: remote {remote.Length} B, mirror {mirror.Length} B, sha256 {SupervisionHost.Sha256(remote)[..16]} / {SupervisionHost.Sha256(mirror)[..16]}, "
                + $"{lines.Lines} lines (lost {lines.Lost}, duplicated {lines.Duplicated}), journal {entry.State} {entry.ExitCode}");
            Assert.Equal(SupervisionHost.Sha256(remote), SupervisionHost.Sha256(mirror));
            Assert.True(lines.IsPerfect, lines.ToString());
            Assert.Equal(("exited", job.ExitCode), (entry.State, entry.ExitCode));
        }
    }

    private bool JobIsAlive(string id)
    {
        var (pid, start) = JobDirFiles.Identity(host.JobDir(id));
        return ProcFs.IsAlive(pid, start);
    }

    /// <summary>Every job's mirror grows by a few lines from now: someone is streaming it into place.</summary>
    private static async Task WaitForMirrorsToGrowAsync(Workstation workstation, IReadOnlyList<DaemonJob> jobs, string who)
    {
        var before = jobs.ToDictionary(j => j.Id, j => workstation.MirrorLength(j.Id));
        await Poll.UntilAsync(() => jobs.All(j => workstation.MirrorLength(j.Id) > before[j.Id] + 1000), Step, $"{who} to stream every mirror");
    }

    private static int Occurrences(string text, string needle) =>
        text.Split('\n').Count(l => l.Contains(needle, StringComparison.Ordinal));

    private sealed record DaemonJob(string Id, string StopFile, int ExitCode);
}
