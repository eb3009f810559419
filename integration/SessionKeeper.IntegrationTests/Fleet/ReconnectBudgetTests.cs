using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// A host that stays unreachable beyond --reconnect-budget is reported unreachable while the
/// others finish; its job runs on, and `batch resume` later collects its exact output and exit code.
/// </summary>
[Collection(FleetTests.Name)]
public sealed class ReconnectBudgetTests(FleetHost host)
{
    /// <summary>
    /// Liveness lenient enough that a CPU hog never makes a good host miss its heartbeats or its
    /// reconnection budget (with a 1 s deadline and a 2 s budget it did); the lost host is cut by a
    /// reset, which is seen at once, and is refused for the whole budget.
    /// </summary>
    private static readonly string[] Lenient = ["--heartbeat", "1s", "--dead-after", "10s", "--max-backoff", "300ms", .. FleetLab.ShortBudget];

    [Fact(Timeout = 180_000)]
    public async Task A_host_gone_past_its_budget_is_unreachable_then_resumed()
    {
        await using var lab = host.NewLab("budget");
        var targets = lab.Add(TargetKind.Good, 4);
        var lost = targets[1];
        var stop = Path.Combine(lab.CounterDir, "stop");
        var command = FleetJob.Prelude(lab.CounterDir) + $"echo start; while [ ! -e '{stop}' ]; do sleep 0.1; done; echo end $n; exit $((n + 4))";

        await using var cli = lab.Start(lab.RunArguments(command, ["--json", "-j", "4", .. Lenient], FleetLab.HostList(targets)));
        var reader = new FleetEventReader(cli);
        await Poll.UntilAsync(() => reader.Next() is var _ && reader.All.Any(e => e.Host == lost.Label && e.Line == "start"), TimeSpan.FromSeconds(60), "the job to start");
        lost.Proxy!.Refuse();
        lost.Proxy.ResetAll();
        await Poll.UntilAsync(() => reader.Next() is var _ && reader.All.Any(e => e.Host == lost.Label && e.Event == "unreachable"), TimeSpan.FromSeconds(60), "the host to be given up");
        await File.WriteAllTextAsync(stop, "");
        var exitCode = await cli.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        reader.Next();

        Assert.True(exitCode == 3, $"exit {exitCode}: {cli.StderrText}");
        var given = FleetEvent.Final(reader.All, lost.Label)!;
        Assert.Equal("unreachable", given.Outcome);
        Assert.Contains("gave up reconnecting", given.Error, StringComparison.Ordinal);
        Assert.All(targets.Where(t => t != lost), t => Assert.Equal(("failed", t.Number + 4), (FleetEvent.Final(reader.All, t.Label)?.Outcome, FleetEvent.Final(reader.All, t.Label)?.ExitCode)));
        Assert.Equal("running", (await lab.BatchStatusAsync())[lost.Label]);

        lost.Proxy.Resume();
        var resume = await lab.RunAsync(["batch", "resume", lab.BatchId, "--json", .. FleetLab.Fast]);
        Assert.True(resume.ExitCode == 1, resume.ToString());
        var final = FleetEvent.Final(FleetEvent.ParseAll(resume), lost.Label)!;
        Assert.Equal(("failed", lost.Number + 4), (final.Outcome, final.ExitCode));
        var id = lab.JobId(lost);
        Assert.Equal($"start\nend {lost.Number}\n", System.Text.Encoding.ASCII.GetString(lab.RemoteLog(lost, id)));
        Assert.Equal(FleetLab.Sha256(lab.RemoteLog(lost, id)), FleetLab.Sha256(lab.Mirror(id)));
        Assert.Equal([id], lab.Runs(lost));
    }
}
