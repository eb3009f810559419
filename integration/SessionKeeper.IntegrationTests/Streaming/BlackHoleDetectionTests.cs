using System.Diagnostics;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// A black-holed link (both sockets open, nothing forwarded) is declared dead by the heartbeat
/// watchdog, and the stream resumes byte-exact: SSH.NET alone never notices. The exact instant
/// (the first watchdog look after the deadline, never before) is checked on a fake clock in
/// AttacherClockTests; here only a generous upper bound holds, so a loaded machine cannot fail it.
/// </summary>
[Collection(StreamingTests.Name)]
public sealed class BlackHoleDetectionTests(StreamHost host, ITestOutputHelper output) : IClassFixture<StreamHost>
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(1);

    /// <summary>Generous: detection is due about one second after the black hole starts.</summary>
    private static readonly TimeSpan Detection = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 90_000)]
    public async Task A_black_hole_is_detected_by_the_heartbeat_watchdog_and_the_stream_resumes_exactly()
    {
        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var stopFile = Path.Combine(host.Sshd.TempDir, "detect.stop");
        // One line every 0.3 s: black holes fall both just after output and in quiet stretches.
        var id = await host.LaunchAsync(SequenceLines.JobUntil(stopFile, 1, "0.3", 0), proxy);
        await using var cli = host.Start("attach", [id], ["-v", "--heartbeat", "200ms", "--dead-after", "1s", "--max-backoff", "300ms"], proxy);
        await cli.WaitForStdoutAsync("seq 1 ", TimeSpan.FromSeconds(20));

        var measured = new List<double>();
        var random = TestSeed.Random(3, output);
        for (var round = 0; round < 4; round++)
        {
            // The pause IS the scenario: the black hole starts at a different point of the heartbeat cycle.
            await Task.Delay(random.Next(0, 300));
            var lost = CliText.LostLines(cli.StderrText);
            var reconnects = CliText.Reconnects(cli.StderrText);
            var clock = Stopwatch.StartNew();
            proxy.BlackHole();
            await Poll.UntilAsync(() => CliText.LostLines(cli.StderrText) > lost || cli.HasExited, Detection, "the black hole to be noticed");
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
        output.WriteLine($"heartbeat {Heartbeat.TotalMilliseconds} ms, dead after {DeadAfter.TotalMilliseconds} ms (figures, not pass/fail)");
        output.WriteLine($"black hole -> 'lost' on stderr: {CliText.Summary(measured)} ({string.Join(", ", measured.Select(m => m.ToString("0")))})");
        output.WriteLine(result.Stderr);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(StreamHost.Sha256File(host.RemoteLog(id)), StreamHost.Sha256(result.Stdout));
        Assert.Equal(4, measured.Count);
        Assert.Contains("no heartbeat from", result.Stderr, StringComparison.Ordinal);
    }
}
