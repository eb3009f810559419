using System.Diagnostics;
using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// The heart of issue 3: a job prints numbered lines while its `run` is cut again and again, ten
/// times each by a proxy reset, a proxy black hole, SIGKILL and SIGSTOP of the per-connection sshd,
/// at random moments. Pass criterion: byte equality of remote log, local mirror and stdout.
/// </summary>
[Collection(StreamingTests.Name)]
public sealed class StreamChaosTests(StreamHost host, ITestOutputHelper output) : IClassFixture<StreamHost>
{
    private const int CutsPerKind = 10;
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(20);

    [Fact(Timeout = 170_000)]
    public async Task Forty_random_cuts_of_four_kinds_lose_and_duplicate_nothing()
    {
        var random = TestSeed.Replayable("SK_CHAOS_SEED", output);
        var schedule = Enum.GetValues<Cut>().SelectMany(k => Enumerable.Repeat(k, CutsPerKind)).OrderBy(_ => random.Next()).ToList();

        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var id = StreamHost.NewJobId("chaos");
        var stopFile = Path.Combine(host.Sshd.TempDir, id + ".stop");
        await using var cli = host.Start(
            "run",
            ["--", SequenceLines.JobUntil(stopFile, 20, "0.02", 7)],
            ["-v", "--id", id, "--shell", "/bin/sh", "--heartbeat", "200ms", "--dead-after", "1s", "--max-backoff", "300ms"],
            proxy);
        await cli.WaitForStdoutAsync("seq 1 ", Step);

        var victims = new HashSet<int>();
        var detection = new Dictionary<Cut, List<double>> { [Cut.ProxyBlackHole] = [], [Cut.SshdStop] = [] };
        var clock = Stopwatch.StartNew();
        foreach (var cut in schedule)
        {
            // The random pause IS the scenario: it places the cut at a random moment of the stream.
            await Task.Delay(random.Next(0, 250));
            var lost = CliText.LostLines(cli.StderrText);
            var reconnected = CliText.Reconnects(cli.StderrText);
            var started = Stopwatch.StartNew();
            switch (cut)
            {
                case Cut.ProxyReset:
                    proxy.ResetAll();
                    await WaitForLostAsync(cli, lost);
                    break;
                case Cut.ProxyBlackHole:
                    proxy.BlackHole();
                    await WaitForLostAsync(cli, lost);
                    detection[cut].Add(started.Elapsed.TotalMilliseconds);
                    proxy.ResetAll();
                    proxy.Resume();
                    break;
                case Cut.SshdKill:
                    Signal(SessionOf(victims), PosixSignals.SIGKILL);
                    await WaitForLostAsync(cli, lost);
                    break;
                case Cut.SshdStop:
                    var victim = SessionOf(victims);
                    Signal(victim, PosixSignals.SIGSTOP);
                    await WaitForLostAsync(cli, lost);
                    detection[cut].Add(started.Elapsed.TotalMilliseconds);
                    Signal(victim, random.Next(2) == 0 ? PosixSignals.SIGCONT : PosixSignals.SIGKILL);
                    break;
            }

            // Reconnected, and the new stream has delivered something: the next cut hits a live stream.
            await Poll.UntilAsync(() => CliText.Reconnects(cli.StderrText) > reconnected || cli.HasExited, Step, () => $"reconnection after {cut}\n{cli.StderrText}");
            var resumedAt = cli.StdoutLength;
            await Poll.UntilAsync(() => cli.StdoutLength > resumedAt || cli.HasExited, Step, $"output after {cut}");
            Assert.False(cli.HasExited, $"the CLI exited during the cuts: {cli.StderrText}");
        }

        var cutsTook = clock.Elapsed;
        await File.WriteAllTextAsync(stopFile, "");
        var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(60));

        var remote = await File.ReadAllBytesAsync(host.RemoteLog(id));
        var mirror = await File.ReadAllBytesAsync(host.Mirror(id));
        var lines = SequenceLines.Analyze(result.Stdout);
        var lostLines = CliText.LostLines(result.Stderr);
        var reconnects = CliText.Reconnects(result.Stderr);
        output.WriteLine($"cuts: {string.Join(", ", schedule.GroupBy(c => c).Select(g => $"{g.Key} {g.Count()}"))} in {cutsTook.TotalSeconds:0.0} s");
        output.WriteLine($"bytes: remote {remote.Length}, mirror {mirror.Length}, stdout {result.Stdout.Length}; sha256 remote {StreamHost.Sha256(remote)[..16]}, mirror {StreamHost.Sha256(mirror)[..16]}, stdout {StreamHost.Sha256(result.Stdout)[..16]}");
        output.WriteLine($"lines: {lines.Count} (0..{lines.Highest}), lost {lines.Lost}, duplicated {lines.Duplicated}, out of order {lines.OutOfOrder}");
        output.WriteLine($"connections: {proxy.TotalConnections} through the proxy, {lostLines} 'lost' lines, {reconnects} reconnects; exit {result.ExitCode}");
        foreach (var (kind, ms) in detection)
        {
            output.WriteLine($"detection after {kind}: {CliText.Summary(ms)}");
        }

        Assert.True(result.ExitCode == 7, result.ToString());
        Assert.Equal(StreamHost.Sha256(remote), StreamHost.Sha256(mirror));
        Assert.Equal(StreamHost.Sha256(remote), StreamHost.Sha256(result.Stdout));
        Assert.Equal(0, lines.Lost);
        Assert.Equal(0, lines.Duplicated);
        Assert.Equal(0, lines.OutOfOrder);
        Assert.Contains($"end {lines.Highest + 1}\n", result.StdoutText, StringComparison.Ordinal);
        Assert.True(reconnects >= schedule.Count, $"{reconnects} reconnects for {schedule.Count} cuts");
    }

    private SshdConnectionProcess SessionOf(HashSet<int> victims)
    {
        var session = host.NewestSession(victims) ?? throw new InvalidOperationException("no sshd session process to cut");
        victims.Add(session.Pid);
        return session;
    }

    private static void Signal(SshdConnectionProcess session, int signal) => SshdFixture.Signal(session.Pid, signal);

    private static Task WaitForLostAsync(CliProcess cli, int before) =>
        Poll.UntilAsync(() => CliText.LostLines(cli.StderrText) > before || cli.HasExited, Step, "the CLI to notice the cut");
}
