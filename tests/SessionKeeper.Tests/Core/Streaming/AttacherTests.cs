using System.Security.Cryptography;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Streaming;

public sealed class AttacherTests : IDisposable
{
    private readonly TempDir _state = new();

    public void Dispose() => _state.Dispose();

    private static readonly AttachOptions Fast = new()
    {
        Heartbeat = TimeSpan.FromMilliseconds(200),
        DeadAfter = TimeSpan.FromSeconds(3),
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
        ChunkBytes = 64 * 1024,
    };

    [Theory(Timeout = 60000)]
    [InlineData("dash", 1)]
    [InlineData("bash", 2)]
    [InlineData("ash", 3)]
    [InlineData("dash" + Shells.Posix, 1)]
    [InlineData("bash" + Shells.Posix, 2)]
    [InlineData("ash" + Shells.Posix, 3)]
    public async Task Output_survives_a_link_that_keeps_breaking_byte_exact(string shell, int seed)
    {
        var id = JobId.New();
        var client = new JobClient(Shells.Session(shell, _state.Path));
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("i=0; while [ $i -lt 3000 ]; do echo \"seq $i\"; [ $((i % 7)) -eq 0 ] && echo \"err $i\" >&2; i=$((i+1)); [ $((i % 300)) -eq 0 ] && sleep 0.1; done; exit 5", Shell: "/bin/sh"));
        var connector = new FlakyConnector(() => Shells.Session(shell, _state.Path), seed, 4000);
        var mirrorPath = Path.Combine(_state.Path, "mirror");
        using var mirror = LogMirror.Open(mirrorPath);
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        var attacher = new Attacher(connector, id, mirror, new JobStreams(stdout, stderr), default, Fast);

        var status = await attacher.RunAsync(null);

        Assert.Equal(JobState.Exited, status.State);
        Assert.Equal(5, status.ExitCode);
        var remoteOut = await File.ReadAllBytesAsync(Path.Combine(_state.JobDir(id.Value), "out"));
        var remoteErr = await File.ReadAllBytesAsync(Path.Combine(_state.JobDir(id.Value), "err"));
        Assert.Equal(Enumerable.Range(0, 3000).Sum(i => $"seq {i}\n".Length), remoteOut.Length);
        Assert.Equal(Enumerable.Range(0, 3000).Where(i => i % 7 == 0).Sum(i => $"err {i}\n".Length), remoteErr.Length);
        Assert.Equal(SHA256.HashData(remoteOut), SHA256.HashData(await File.ReadAllBytesAsync(LogMirror.FileOf(mirrorPath, OutputKind.Stdout))));
        Assert.Equal(SHA256.HashData(remoteErr), SHA256.HashData(await File.ReadAllBytesAsync(LogMirror.FileOf(mirrorPath, OutputKind.Stderr))));
        Assert.Equal(remoteOut, stdout.ToArray());
        Assert.Equal(remoteErr, stderr.ToArray());
        Assert.Equal((remoteOut.LongLength, remoteErr.LongLength, 2), (status.StdoutSize, status.StderrSize, status.Layout));
        Assert.True(connector.Breaks >= 5, $"only {connector.Breaks} breaks");
    }

    /// <summary>
    /// With credit, one helper streams a log many times its window: the client tells it to go on
    /// (stdin lines) as it delivers. Byte-exact on each shell, on a steady link and on a flaky one.
    /// </summary>
    [Theory(Timeout = 60000)]
    [InlineData("dash", int.MaxValue)]
    [InlineData("bash", int.MaxValue)]
    [InlineData("ash", int.MaxValue)]
    [InlineData("dash", 200_000)]
    [InlineData("ash", 200_000)]
    [InlineData("dash" + Shells.Posix, int.MaxValue)]
    [InlineData("bash" + Shells.Posix, int.MaxValue)]
    [InlineData("ash" + Shells.Posix, int.MaxValue)]
    [InlineData("dash" + Shells.Posix, 200_000)]
    [InlineData("ash" + Shells.Posix, 200_000)]
    public async Task With_credit_one_helper_streams_far_more_than_its_window(string shell, int breakAfter)
    {
        var id = JobId.New();
        var client = new JobClient(Shells.Session(shell, _state.Path));
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("head -c 1500000 /dev/urandom; head -c 700000 /dev/urandom >&2; echo; exit 4", Shell: "/bin/sh"));
        var connector = new FlakyConnector(() => Shells.Session(shell, _state.Path, keepStreamInput: true), 11, breakAfter);
        using var mirror = LogMirror.Open(Path.Combine(_state.Path, "credit"));
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        // The link's liveness is not what this tests: beside a CPU hog a helper under ash once went
        // 3 s without a word, the watchdog cut the link, and a second helper was counted.
        var attacher = new Attacher(connector, id, mirror, new JobStreams(stdout, stderr), default, Fast with { ChunkBytes = 32 * 1024, DeadAfter = TimeSpan.FromSeconds(60) });

        var status = await attacher.RunAsync(null);

        Assert.Equal(4, status.ExitCode);
        var remoteOut = await File.ReadAllBytesAsync(Path.Combine(_state.JobDir(id.Value), "out"));
        var remoteErr = await File.ReadAllBytesAsync(Path.Combine(_state.JobDir(id.Value), "err"));
        Assert.Equal((1_500_001, 700_000), (remoteOut.Length, remoteErr.Length));
        Assert.Equal(remoteOut, stdout.ToArray());
        Assert.Equal(remoteErr, stderr.ToArray());
        Assert.Equal(remoteOut, await File.ReadAllBytesAsync(LogMirror.FileOf(mirror.Path, OutputKind.Stdout)));
        Assert.Equal(remoteErr, await File.ReadAllBytesAsync(LogMirror.FileOf(mirror.Path, OutputKind.Stderr)));
        if (breakAfter == int.MaxValue)
        {
            // 2.2 MB through a 32 KiB window shared by both streams, and no renewal: one helper did it all.
            Assert.Equal(1, connector.Streams);
        }
    }

    /// <summary>
    /// A login shell slower than the deadline (rc files) is not a dead link: the stream starts. The
    /// shell sleeps 3 s against a 2 s deadline: slower than the deadline on any machine, and once
    /// the helper speaks its 100 ms heartbeats have 2 s to arrive. The exact boundaries are in
    /// AttacherClockTests.
    /// </summary>
    [Fact(Timeout = 60000)]
    public async Task A_helper_slower_to_start_than_the_deadline_is_not_a_dead_link()
    {
        var id = JobId.New();
        await new JobClient(Shells.Session("dash", _state.Path)).LaunchAsync(id, JobCookie.New(), new JobSpec("echo one; sleep 0.5; echo two", Shell: "/bin/sh"));
        var slowShell = new[] { "/bin/sh", "-c", "sleep 3; exec /bin/dash \"$@\"", "sh" };
        var connector = new FlakyConnector(() => new LocalShellSession(_state.Path, slowShell) { InterpreterPath = "/bin/dash" }, 5, int.MaxValue);
        using var stdout = new MemoryStream();
        var options = Fast with { Heartbeat = TimeSpan.FromMilliseconds(100), DeadAfter = TimeSpan.FromSeconds(2) };

        var status = await new Attacher(connector, id, null, new JobStreams(stdout, null), default, options).RunAsync(null);

        Assert.Equal(0, status.ExitCode);
        Assert.Equal("one\ntwo\n", System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal(1, connector.Connections);
    }

    [Theory(Timeout = 60000)]
    [InlineData("dash")]
    [InlineData("dash" + Shells.Posix)]
    public async Task Binary_output_with_every_byte_value_arrives_exactly(string shell)
    {
        var id = JobId.New();
        var client = new JobClient(Shells.Session(shell, _state.Path));
        // All 256 byte values, no trailing newline, through printf octal escapes.
        var script = string.Concat(Enumerable.Range(0, 256).Select(b => $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}"));
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec($"printf '{script}'", Shell: "/bin/sh"));
        using var stdout = new MemoryStream();
        var attacher = new Attacher(new FlakyConnector(() => Shells.Session(shell, _state.Path), 7, 400), id, null, new JobStreams(stdout, null), default, Fast);
        await attacher.RunAsync(null);
        Assert.Equal(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), stdout.ToArray());
    }

    [Fact(Timeout = 60000)]
    public async Task A_second_process_cannot_write_the_same_mirror()
    {
        var path = Path.Combine(_state.Path, "m");
        using var first = LogMirror.Open(path);
        using var second = LogMirror.Open(path);
        Assert.True(first.IsWriter);
        Assert.False(second.IsWriter);
        first.Append(OutputKind.Stdout, 0, "abc"u8);
        second.Append(OutputKind.Stdout, 0, "zzz"u8);
        second.Append(OutputKind.Stderr, 0, "zzz"u8);
        Assert.Equal("abc", await File.ReadAllTextAsync(LogMirror.FileOf(path, OutputKind.Stdout)));
        Assert.False(File.Exists(LogMirror.FileOf(path, OutputKind.Stderr)));
    }

    [Fact]
    public void The_mirror_refuses_to_splice()
    {
        using var mirror = LogMirror.Open(Path.Combine(_state.Path, "s"));
        mirror.Append(OutputKind.Stdout, 0, "abc"u8);
        mirror.Append(OutputKind.Stderr, 0, "de"u8);
        Assert.Throws<SessionKeeper.Core.Failures.SessionKeeperException>(() => mirror.Append(OutputKind.Stdout, 1, "x"u8));
        Assert.Throws<SessionKeeper.Core.Failures.SessionKeeperException>(() => mirror.Append(OutputKind.Stdout, 5, "x"u8));
        Assert.Throws<SessionKeeper.Core.Failures.SessionKeeperException>(() => mirror.Append(OutputKind.Stderr, 3, "x"u8));
        Assert.Equal(new StreamOffsets(3, 2, 0), mirror.Offsets);
    }
}
