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
    public async Task Output_survives_a_link_that_keeps_breaking_byte_exact(string shell, int seed)
    {
        var id = JobId.New();
        var client = new JobClient(Shells.Session(shell, _state.Path));
        await client.LaunchAsync(id, JobId.NewCookie(), new JobSpec("i=0; while [ $i -lt 3000 ]; do echo \"seq $i\"; i=$((i+1)); [ $((i % 300)) -eq 0 ] && sleep 0.1; done; exit 5", Shell: "/bin/sh"));
        var connector = new FlakyConnector(() => Shells.Session(shell, _state.Path), seed, 4000);
        var mirrorPath = Path.Combine(_state.Path, "mirror.log");
        using var mirror = LogMirror.Open(mirrorPath);
        using var stdout = new MemoryStream();
        var attacher = new Attacher(connector, id, mirror, stdout, 0, Fast);

        var status = await attacher.RunAsync(null);

        Assert.Equal(JobState.Exited, status.State);
        Assert.Equal(5, status.ExitCode);
        var remote = await File.ReadAllBytesAsync(Path.Combine(_state.JobDir(id), "log"));
        Assert.Equal(SHA256.HashData(remote), SHA256.HashData(await File.ReadAllBytesAsync(mirrorPath)));
        Assert.Equal(remote, stdout.ToArray());
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
    public async Task With_credit_one_helper_streams_far_more_than_its_window(string shell, int breakAfter)
    {
        var id = JobId.New();
        var client = new JobClient(Shells.Session(shell, _state.Path));
        await client.LaunchAsync(id, JobId.NewCookie(), new JobSpec("head -c 1500000 /dev/urandom; echo; exit 4", Shell: "/bin/sh"));
        var connector = new FlakyConnector(() => Shells.Session(shell, _state.Path, keepStreamInput: true), 11, breakAfter);
        using var mirror = LogMirror.Open(Path.Combine(_state.Path, "credit.log"));
        using var stdout = new MemoryStream();
        // The link's liveness is not what this tests: beside a CPU hog a helper under ash once went
        // 3 s without a word, the watchdog cut the link, and a second helper was counted.
        var attacher = new Attacher(connector, id, mirror, stdout, 0, Fast with { ChunkBytes = 32 * 1024, DeadAfter = TimeSpan.FromSeconds(60) });

        var status = await attacher.RunAsync(null);

        Assert.Equal(4, status.ExitCode);
        var remote = await File.ReadAllBytesAsync(Path.Combine(_state.JobDir(id), "log"));
        Assert.Equal(remote, stdout.ToArray());
        Assert.Equal(remote, await File.ReadAllBytesAsync(mirror.Path));
        if (breakAfter == int.MaxValue)
        {
            // 1.5 MB through a 32 KiB window, and no renewal: one helper did it all.
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
        await new JobClient(Shells.Session("dash", _state.Path)).LaunchAsync(id, JobId.NewCookie(), new JobSpec("echo one; sleep 0.5; echo two", Shell: "/bin/sh"));
        var slowShell = new[] { "/bin/sh", "-c", "sleep 3; exec /bin/dash \"$@\"", "sh" };
        var connector = new FlakyConnector(() => new LocalShellSession(_state.Path, slowShell) { InterpreterPath = "/bin/dash" }, 5, int.MaxValue);
        using var stdout = new MemoryStream();
        var options = Fast with { Heartbeat = TimeSpan.FromMilliseconds(100), DeadAfter = TimeSpan.FromSeconds(2) };

        var status = await new Attacher(connector, id, null, stdout, 0, options).RunAsync(null);

        Assert.Equal(0, status.ExitCode);
        Assert.Equal("one\ntwo\n", System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal(1, connector.Connections);
    }

    [Fact(Timeout = 60000)]
    public async Task Binary_output_with_every_byte_value_arrives_exactly()
    {
        var id = JobId.New();
        var client = new JobClient(Shells.Session("dash", _state.Path));
        // All 256 byte values, no trailing newline, through printf octal escapes.
        var script = string.Concat(Enumerable.Range(0, 256).Select(b => $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}"));
        await client.LaunchAsync(id, JobId.NewCookie(), new JobSpec($"printf '{script}'", Shell: "/bin/sh"));
        using var stdout = new MemoryStream();
        var attacher = new Attacher(new FlakyConnector(() => Shells.Session("dash", _state.Path), 7, 400), id, null, stdout, 0, Fast);
        await attacher.RunAsync(null);
        Assert.Equal(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), stdout.ToArray());
    }

    [Fact(Timeout = 60000)]
    public async Task A_second_process_cannot_write_the_same_mirror()
    {
        var path = Path.Combine(_state.Path, "m.log");
        using var first = LogMirror.Open(path);
        using var second = LogMirror.Open(path);
        Assert.True(first.IsWriter);
        Assert.False(second.IsWriter);
        first.Append(0, "abc"u8);
        second.Append(0, "zzz"u8);
        Assert.Equal("abc", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public void The_mirror_refuses_to_splice()
    {
        using var mirror = LogMirror.Open(Path.Combine(_state.Path, "s.log"));
        mirror.Append(0, "abc"u8);
        Assert.Throws<SessionKeeper.Core.Failures.SessionKeeperException>(() => mirror.Append(1, "x"u8));
        Assert.Throws<SessionKeeper.Core.Failures.SessionKeeperException>(() => mirror.Append(5, "x"u8));
    }
}
