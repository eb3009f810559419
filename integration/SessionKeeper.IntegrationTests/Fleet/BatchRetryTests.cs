using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>`batch retry B --failed` reruns the hosts whose job failed, and only those.</summary>
public sealed class BatchRetryTests(FleetHost host, ITestOutputHelper output) : IClassFixture<FleetHost>
{
    [Fact(Timeout = 60_000)]
    public async Task Retry_failed_reruns_the_failed_hosts_only()
    {
        await using var lab = host.NewLab("retry");
        var good = lab.Add(TargetKind.Good, 9);
        var unreachable = lab.Add(TargetKind.Refusing);

        // First run: host n fails with n % 3; any later run of the same host succeeds.
        var command = FleetJob.Prelude(lab.CounterDir)
            + $"runs=$(wc -l < '{lab.CounterDir}/'\"$n\"); echo \"run $runs\"; [ \"$runs\" -ge 2 ] && exit 0; exit $((n % 3))";
        var first = await lab.RunAsync(lab.RunArguments(command, ["--json", "-j", "4", .. FleetLab.Fast, .. FleetLab.ShortBudget], FleetLab.HostList(lab.Targets)));
        Assert.True(first.ExitCode == 3, first.ToString());
        var failed = good.Where(t => t.Number % 3 != 0).ToList();
        var succeeded = good.Except(failed).ToList();
        var firstEvents = FleetEvent.ParseAll(first);
        Assert.All(failed, t => Assert.Equal("failed", FleetEvent.Final(firstEvents, t.Label)?.Outcome));
        Assert.Equal("unreachable", FleetEvent.Final(firstEvents, unreachable.Label)?.Outcome);

        var retry = await lab.RunAsync(["batch", "retry", lab.BatchId, "--failed", "--json", "-j", "4", .. FleetLab.Fast]);
        output.WriteLine($"retry: exit {retry.ExitCode}; {retry.Stderr.Trim()}");
        Assert.True(retry.ExitCode == 0, retry.ToString());
        var events = FleetEvent.ParseAll(retry);
        Assert.Equal(failed.Select(t => t.Label).Order(), events.Where(e => e.Event == "launched").Select(e => e.Host!).Order());
        Assert.All(failed, t => Assert.Equal($"{lab.JobId(t)}-r2", FleetEvent.Final(events, t.Label)?.Job));

        Assert.All(failed, t => Assert.Equal([lab.JobId(t), $"{lab.JobId(t)}-r2"], lab.Runs(t)));
        Assert.All(succeeded, t => Assert.Equal([lab.JobId(t)], lab.Runs(t)));
        Assert.Empty(lab.Runs(unreachable));
        Assert.All(failed, t => Assert.Equal("run 2\n", System.Text.Encoding.ASCII.GetString(lab.Mirror($"{lab.JobId(t)}-r2"))));

        var status = await lab.BatchStatusAsync();
        Assert.All(good, t => Assert.Equal("ok", status[t.Label]));

        // Nothing failed any more: a second retry reruns nothing.
        var again = await lab.RunAsync(["batch", "retry", lab.BatchId, "--failed"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("no failed host", again.Stderr, StringComparison.Ordinal);
        Assert.All(good, t => Assert.Equal(t.Number % 3 == 0 ? 1 : 2, lab.Runs(t).Count));
    }
}
