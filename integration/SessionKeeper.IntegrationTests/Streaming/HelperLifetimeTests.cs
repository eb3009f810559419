using System.Diagnostics;
using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// Remote stream helpers are bounded: when their client dies they end by themselves (failed write
/// at the next frame or heartbeat), so dead streams never pile up on a target.
/// </summary>
[Collection(StreamingTests.Name)]
public sealed class HelperLifetimeTests(StreamHost host, ITestOutputHelper output) : IClassFixture<StreamHost>
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(200);

    /// <summary>helpers/CLIENT files ("pid starttime"), not the CLIENT.credit files beside them.</summary>
    internal static string[] HelperRecords(string helpersDir) =>
        [.. Directory.GetFiles(helpersDir).Where(f => !Path.GetFileName(f).Contains('.', StringComparison.Ordinal))];

    [Theory(Timeout = 60_000)]
    [InlineData("0.05")]
    [InlineData("30")]
    public async Task The_helper_of_a_killed_client_ends_by_itself_while_the_job_runs_on(string pause)
    {
        var stopFile = Path.Combine(host.Sshd.TempDir, $"helper-{pause}.stop");
        // pause 0.05: the helper is busy sending; pause 30: it only sends heartbeats.
        var id = await host.LaunchAsync(SequenceLines.JobUntil(stopFile, 1, pause, 0));
        await using var cli = host.Start("attach", [id], ["--heartbeat", "200ms", "--dead-after", "1s"]);
        await cli.WaitForStdoutAsync("seq 0 ", TimeSpan.FromSeconds(20));

        var helpers = Path.Combine(host.JobDir(id), "helpers");
        var record = await Poll.ObjectAsync(() => HelperRecords(helpers) is [var one] ? File.ReadAllText(one).Trim() : null, TimeSpan.FromSeconds(10), "the helper record");
        var fields = record.Split(' ');
        var (pid, start) = (int.Parse(fields[0], CultureInfo.InvariantCulture), long.Parse(fields[1], CultureInfo.InvariantCulture));
        var stat = ProcFs.TryReadStat(pid) ?? throw new InvalidOperationException($"helper {record} is not alive");
        Assert.Equal(start, stat.StartTime);
        Assert.Equal("sh", stat.Comm);
        Assert.Contains("-s", ProcFs.ReadCommandLine(pid), StringComparison.Ordinal);

        cli.Kill();
        var clock = Stopwatch.StartNew();
        // Generous: the helper notices at its next write, a heartbeat (200 ms) away; the job has
        // not ended (its stop file is written below), so nothing else can end the helper.
        await Poll.UntilAsync(() => !ProcFs.IsAlive(pid, start), TimeSpan.FromSeconds(30), $"helper {pid} to end");
        output.WriteLine($"job pause {pause} s: helper {pid} ended {clock.Elapsed.TotalMilliseconds:0} ms after its client was SIGKILLed (heartbeat {Heartbeat.TotalMilliseconds} ms)");

        Assert.False(File.Exists(Path.Combine(host.JobDir(id), "exit")), "the job ended: that, not the client's death, may have ended the helper");
        await File.WriteAllTextAsync(stopFile, "");
    }
}
