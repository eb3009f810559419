using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// The CLI and the daemon follow the same job at once. One of them holds the mirror's lease and
/// appends; the other only follows. There is one mirror, byte-exact, with nothing interleaved, and
/// the CLI's stdout is the whole remote log. When the writer dies, the follower takes over.
/// </summary>
[Collection(SupervisionTests.Name)]
public sealed class SharedMirrorTests(SupervisionHost host, ITestOutputHelper output)
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(20);

    [Fact(Timeout = 90_000)]
    public async Task Daemon_writing_and_cli_following_give_one_exact_mirror_and_an_exact_stdout()
    {
        var (workstation, id, stop) = await LaunchAsync("dfirst", 3);
        await using var daemon = workstation.StartDaemon();
        await Poll.UntilAsync(() => workstation.MirrorLength(id) > 2000, Step, "the daemon to write the mirror");

        await using var attach = workstation.Start(["attach", .. SupervisionHost.Fast, id]);
        await attach.WaitForStdoutAsync("seq 100 ", Step);
        var mirrorWhileBoth = workstation.MirrorLength(id);
        await Poll.UntilAsync(() => workstation.MirrorLength(id) > mirrorWhileBoth + 2000 && attach.StdoutLength > mirrorWhileBoth + 2000, Step, "both to keep going");
        await File.WriteAllTextAsync(stop, "");

        var cli = await attach.WaitForResultAsync(Step);
        var journal = await workstation.WaitForJournalAsync(j => j.Single().Phase == "finished", Step, "the job finished");
        daemon.Signal(PosixSignals.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync().WaitAsync(Step));

        AssertOneExactMirror(workstation, id, journal.Single(), 3);
        var remote = await File.ReadAllBytesAsync(host.RemoteLog(id));
        output.WriteLine($"cli: exit {cli.ExitCode}, stdout {cli.Stdout.Length} B sha256 {SupervisionHost.Sha256(cli.Stdout)[..16]}");
        Assert.True(cli.ExitCode == 3, cli.ToString());
        Assert.Equal(SupervisionHost.Sha256(remote), SupervisionHost.Sha256(cli.Stdout));
    }

    [Fact(Timeout = 90_000)]
    public async Task When_the_writing_cli_is_killed_the_following_daemon_takes_the_mirror_over()
    {
        var (workstation, id, stop) = await LaunchAsync("cfirst", 4);
        await using var attach = workstation.Start(["attach", .. SupervisionHost.Fast, id]);
        await attach.WaitForStdoutAsync("seq 50 ", Step);
        await using var daemon = workstation.StartDaemon();
        await Poll.UntilAsync(() => daemon.StderrText.Contains("now supervised", StringComparison.Ordinal), Step, () => $"the daemon to follow the job\n{daemon.StderrText}");
        await Poll.UntilAsync(() => attach.StdoutLength > 20_000, Step, "the CLI to stream on");

        attach.Signal(PosixSignals.SIGKILL);
        await attach.WaitForExitAsync().WaitAsync(Step);
        var atKill = workstation.MirrorLength(id);
        await Poll.UntilAsync(() => workstation.MirrorLength(id) > atKill + 2000, Step, () => $"the daemon to take the mirror over at {atKill}\n{daemon.StderrText}");
        output.WriteLine($"CLI SIGKILLed with the mirror at {atKill} B; the daemon appends from there");
        await File.WriteAllTextAsync(stop, "");

        var journal = await workstation.WaitForJournalAsync(j => j.Single().Phase == "finished", Step, "the job finished");
        daemon.Signal(PosixSignals.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync().WaitAsync(Step));
        AssertOneExactMirror(workstation, id, journal.Single(), 4);
    }

    private async Task<(Workstation Workstation, string Id, string StopFile)> LaunchAsync(string name, int exitCode)
    {
        var workstation = host.NewWorkstation(name);
        var id = SupervisionHost.NewJobId(name);
        var stop = host.TempFile(id + ".stop");
        var run = await workstation.RunAsync(host.RunArguments(id, SequenceJob.Command(stop, exitCode, perBurst: 20), ["--detach"]));
        Assert.True(run.ExitCode == 0, run.ToString());
        return (workstation, id, stop);
    }

    private void AssertOneExactMirror(Workstation workstation, string id, JournalEntry entry, int exitCode)
    {
        var remote = File.ReadAllBytes(host.RemoteLog(id));
        var mirror = workstation.ReadMirror(id);
        var lines = SequenceJob.Analyze(mirror);
        output.WriteLine($"{id}: remote {remote.Length} B, mirror {mirror.Length} B ({workstation.Mirrors(id).Count} mirror file), "
            + $"sha256 {SupervisionHost.Sha256(remote)[..16]} / {SupervisionHost.Sha256(mirror)[..16]}, {lines.Lines} lines, "
            + $"lost {lines.Lost}, duplicated {lines.Duplicated}, out of order {lines.OutOfOrder}; journal {entry.State} {entry.ExitCode} committed {entry.CommittedLength}");
        Assert.Equal(SupervisionHost.Sha256(remote), SupervisionHost.Sha256(mirror));
        Assert.True(lines.IsPerfect, lines.ToString());
        Assert.Equal(("exited", exitCode, (long)remote.Length), (entry.State, entry.ExitCode, entry.CommittedLength));
    }
}
