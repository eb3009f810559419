using System.Diagnostics;
using SessionKeeper.Core.Streaming;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// 200 MiB written as fast as the job can, streamed through three drops (reset, SIGKILL of the
/// sshd, black hole): every byte arrives, and the CLI's peak memory stays within that of a tiny
/// attach plus what the stream's credit window allows to be in flight (a few copies of one chunk)
/// and a fixed allowance for the runtime's heap growth: SSH.NET has no back-pressure, so only the
/// bounded chunks keep memory independent of the output's size.
/// </summary>
[Collection(StreamingTests.Name)]
public sealed class LargeOutputTests(StreamHost host, ITestOutputHelper output) : IClassFixture<StreamHost>
{
    private const long Size = 200L << 20;
    private const double AllowanceMiB = 48;

    /// <summary>Bytes of one chunk held at once: in SSH.NET's buffer, the frame reader, the mirror and stdout.</summary>
    private const int ChunkCopies = 4;

    [Fact(Timeout = 150_000)]
    public async Task Two_hundred_MiB_arrive_intact_through_drops_in_bounded_memory()
    {
        var baseline = await TinyAttachPeakMiB();
        var chunkMiB = new AttachOptions().ChunkBytes / (1024.0 * 1024);
        var limitMiB = baseline + (ChunkCopies * chunkMiB) + AllowanceMiB;

        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var id = await host.LaunchAsync($"head -c {Size} /dev/urandom", proxy);
        var stdoutPath = Path.Combine(host.Sshd.TempDir, id + ".stdout");
        var clock = Stopwatch.StartNew();
        await using var cli = host.StartToFile(stdoutPath, "attach", [id], ["-v", "--heartbeat", "200ms", "--dead-after", "1s", "--max-backoff", "300ms"], proxy);
        await using var memory = new PeakMemory(cli.Pid);

        var victims = new HashSet<int>();
        string[] drops = ["proxy reset", "sshd SIGKILL", "proxy black hole"];
        for (var i = 0; i < drops.Length; i++)
        {
            var at = Size * (i + 1) / (drops.Length + 1);
            await Poll.UntilAsync(() => MirrorLength(id) >= at || cli.HasExited, TimeSpan.FromSeconds(60), $"{at} bytes in the mirror");
            var lost = CliText.LostLines(cli.StderrText);
            var reconnects = CliText.Reconnects(cli.StderrText);
            switch (i)
            {
                case 0:
                    proxy.ResetAll();
                    break;
                case 1:
                    var session = host.NewestSession(victims) ?? throw new InvalidOperationException("no sshd session");
                    victims.Add(session.Pid);
                    SshdFixture.Signal(session.Pid, PosixSignals.SIGKILL);
                    break;
                default:
                    proxy.BlackHole();
                    break;
            }

            await Poll.UntilAsync(() => CliText.LostLines(cli.StderrText) > lost || cli.HasExited, TimeSpan.FromSeconds(15), $"the {drops[i]} to be noticed");
            proxy.ResetAll();
            proxy.Resume();
            await Poll.UntilAsync(() => CliText.Reconnects(cli.StderrText) > reconnects || cli.HasExited, TimeSpan.FromSeconds(15), $"reconnection after the {drops[i]}");
        }

        var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(90));
        var elapsed = clock.Elapsed;
        var peak = Math.Max(memory.PeakMiB, 0);
        var remoteSha = StreamHost.Sha256File(host.RemoteLog(id));
        output.WriteLine($"{Size >> 20} MiB in {elapsed.TotalSeconds:0.0} s ({(Size >> 20) / elapsed.TotalSeconds:0.0} MiB/s) through {string.Join(", ", drops)}; {CliText.Reconnects(result.Stderr)} reconnects");
        output.WriteLine($"CLI peak memory (VmHWM): {peak:0.0} MiB (tiny attach {baseline:0.0} MiB; limit {limitMiB:0.0} MiB)");
        output.WriteLine(result.Stderr);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Size, new FileInfo(host.RemoteLog(id)).Length);
        Assert.Equal(remoteSha, StreamHost.Sha256File(stdoutPath));
        Assert.Equal(remoteSha, StreamHost.Sha256File(host.Mirror(id)));
        Assert.True(CliText.Reconnects(result.Stderr) >= drops.Length, result.Stderr);
        Assert.InRange(peak, 1, limitMiB);
        File.Delete(stdoutPath);
    }

    /// <summary>The peak memory of an attach to a job that prints one line: the runtime's own floor.</summary>
    private async Task<double> TinyAttachPeakMiB()
    {
        var id = await host.LaunchAsync("echo tiny");
        var stdoutPath = Path.Combine(host.Sshd.TempDir, id + ".stdout");
        double peak;
        await using (var cli = host.StartToFile(stdoutPath, "attach", [id]))
        {
            await using var memory = new PeakMemory(cli.Pid);
            var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(90));
            Assert.True(result.ExitCode == 0, result.ToString());
            peak = memory.PeakMiB;
        }

        File.Delete(stdoutPath);
        return peak;
    }

    private long MirrorLength(string id) => host.FindMirror(id) is { } path ? new FileInfo(path).Length : 0;
}
