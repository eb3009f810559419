using System.Diagnostics;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// A black-holed link (both sockets open, nothing forwarded) is declared dead within the deadline
/// plus one heartbeat, and not before the deadline minus one heartbeat: SSH.NET alone never notices.
/// </summary>
[Collection(StreamingTests.Name)]
public sealed class BlackHoleDetectionTests(StreamHost host, ITestOutputHelper output) : IClassFixture<StreamHost>
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Beyond deadline + heartbeat: the watchdog checks every 100 ms, the stderr line crosses a pipe
    /// and this test polls every 20 ms, on a 2-core machine shared with sshd and the job.
    /// </summary>
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(300);

    [Fact(Timeout = 90_000)]
    public async Task A_black_hole_is_detected_within_the_deadline_plus_one_heartbeat()
    {
        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var stopFile = Path.Combine(host.Sshd.TempDir, "detect.stop");
        // One line every 0.3 s: black holes fall both just after output and in quiet stretches.
        var id = await host.LaunchAsync(SequenceLines.JobUntil(stopFile, 1, "0.3", 0), proxy);
        await using var cli = host.Start("attach", [id], ["--heartbeat", "200ms", "--dead-after", "1s", "--max-backoff", "300ms"], proxy);
        await cli.WaitForStdoutAsync("seq 1 ", TimeSpan.FromSeconds(20));

        var measured = new List<double>();
        var random = new Random(3);
        for (var round = 0; round < 4; round++)
        {
            // The pause IS the scenario: the black hole starts at a different point of the heartbeat cycle.
            await Task.Delay(random.Next(0, 300));
            var lost = CliText.LostLines(cli.StderrText);
            var reconnects = CliText.Reconnects(cli.StderrText);
            var clock = Stopwatch.StartNew();
            proxy.BlackHole();
            await Poll.UntilAsync(() => CliText.LostLines(cli.StderrText) > lost || cli.HasExited, TimeSpan.FromSeconds(15), "the black hole to be noticed");
            measured.Add(clock.Elapsed.TotalMilliseconds);
            proxy.ResetAll();
            proxy.Resume();
            await Poll.UntilAsync(() => CliText.Reconnects(cli.StderrText) > reconnects || cli.HasExited, TimeSpan.FromSeconds(15), "a reconnection");

            // The next black hole must hit a flowing stream: before its first byte the silence began
            // earlier than one heartbeat ago (the helper's login shell starts), and the lower bound
            // below would not hold.
            var resumedAt = cli.StdoutLength;
            await Poll.UntilAsync(() => cli.StdoutLength > resumedAt || cli.HasExited, TimeSpan.FromSeconds(15), "output after reconnecting");
        }

        await File.WriteAllTextAsync(stopFile, "");
        var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"heartbeat {Heartbeat.TotalMilliseconds} ms, dead after {DeadAfter.TotalMilliseconds} ms, margin {Margin.TotalMilliseconds} ms");
        output.WriteLine($"black hole -> 'lost' on stderr: {CliText.Summary(measured)} ({string.Join(", ", measured.Select(m => m.ToString("0")))})");
        output.WriteLine(result.Stderr);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(StreamHost.Sha256File(host.RemoteLog(id)), StreamHost.Sha256(result.Stdout));
        Assert.All(measured, ms => Assert.InRange(ms, (DeadAfter - Heartbeat).TotalMilliseconds, (DeadAfter + Heartbeat + Margin).TotalMilliseconds));
        Assert.Contains("no heartbeat from", result.Stderr, StringComparison.Ordinal);
    }
}
