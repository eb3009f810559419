using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>Ctrl-C during a foreground `run` detaches (the job keeps running); --kill-on-interrupt kills.</summary>
public sealed class InterruptTests(StreamHost host) : IClassFixture<StreamHost>
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(20);

    [Fact(Timeout = 60_000)]
    public async Task Ctrl_C_detaches_and_says_how_to_reattach()
    {
        var id = StreamHost.NewJobId("int");
        var stopFile = Path.Combine(host.Sshd.TempDir, id + ".stop");
        await using var cli = host.Start("run", ["--", SequenceLines.JobUntil(stopFile, 1, "0.05", 0)], ["--id", id, "--shell", "/bin/sh"]);
        await cli.WaitForStdoutAsync("seq 3 ", Quick);

        Assert.True(cli.Signal(PosixSignals.SIGINT));
        var result = await cli.WaitForResultAsync(Quick);

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Contains(result.Stderr.Split('\n'), l => l.Contains("sessionkeeper attach ", StringComparison.Ordinal) && l.EndsWith(" " + id, StringComparison.Ordinal));
        Assert.Contains("keeps running", result.Stderr, StringComparison.Ordinal);
        // The job lives on: its log keeps growing after the client is gone, and it has no exit record.
        var size = new FileInfo(host.RemoteLog(id)).Length;
        await Poll.UntilAsync(() => new FileInfo(host.RemoteLog(id)).Length > size, Quick, "the job to keep writing");
        Assert.False(File.Exists(Path.Combine(host.JobDir(id), "exit")));

        await File.WriteAllTextAsync(stopFile, "");
        var reattached = await host.RunAsync("attach", [id]);
        Assert.True(reattached.ExitCode == 0, reattached.ToString());
        Assert.Equal(StreamHost.Sha256File(host.RemoteLog(id)), StreamHost.Sha256(reattached.Stdout));
    }

    [Fact(Timeout = 60_000)]
    public async Task Ctrl_C_with_kill_on_interrupt_kills_the_job()
    {
        var id = StreamHost.NewJobId("int");
        await using var cli = host.Start("run", ["--", "i=0; while :; do echo \"tick $i\"; i=$((i+1)); sleep 0.05; done"], ["--id", id, "--shell", "/bin/sh", "--kill-on-interrupt", "--grace", "1s"]);
        await cli.WaitForStdoutAsync("tick 3", Quick);

        Assert.True(cli.Signal(PosixSignals.SIGINT));
        var result = await cli.WaitForResultAsync(Quick);

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Contains("killing job", result.Stderr, StringComparison.Ordinal);
        var exit = await File.ReadAllTextAsync(Path.Combine(host.JobDir(id), "exit"));
        Assert.StartsWith("v1 killed ", exit, StringComparison.Ordinal);
    }
}
