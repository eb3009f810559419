using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// `--max-failures` stops launching on new hosts once reached. With -j 1 the order is the target
/// list's: host 1 succeeds, host 2 refuses our key, host 3's job fails, and hosts 4 to 8 are never
/// launched (nothing reaches them); `batch resume` launches them later.
/// </summary>
[Collection(FleetTests.Name)]
public sealed class MaxFailuresTests(FleetHost host, ITestOutputHelper output)
{
    [Theory(Timeout = 60_000)]
    [InlineData("2")]
    [InlineData("25%")]
    public async Task Hosts_after_the_limit_are_not_launched(string limit)
    {
        await using var lab = host.NewLab("maxfail");
        var ok = lab.Add(TargetKind.Good);
        var refused = lab.Add(TargetKind.AuthRefused);
        var failing = lab.Add(TargetKind.Good);
        var later = lab.Add(TargetKind.Good, 5);
        var command = FleetJob.Prelude(lab.CounterDir) + $"echo ran; [ \"$n\" = {failing.Number} ] && exit 1; exit 0";

        var run = await lab.RunAsync(lab.RunArguments(command, ["--json", "-j", "1", "--max-failures", limit, .. FleetLab.Fast], FleetLab.HostList(lab.Targets)));
        output.WriteLine(run.Stderr);
        Assert.True(run.ExitCode == 3, run.ToString());
        var events = FleetEvent.ParseAll(run);
        Assert.Equal("ok", FleetEvent.Final(events, ok.Label)?.Outcome);
        Assert.Equal("auth-refused", FleetEvent.Final(events, refused.Label)?.Outcome);
        Assert.Equal(("failed", 1), (FleetEvent.Final(events, failing.Label)?.Outcome, FleetEvent.Final(events, failing.Label)?.ExitCode));
        foreach (var target in later)
        {
            var final = FleetEvent.Final(events, target.Label);
            Assert.Equal(("skipped", "not-launched"), (final?.Event, final?.Outcome));
            Assert.Equal(0, target.Proxy!.TotalConnections);
            Assert.Empty(lab.Runs(target));
            Assert.False(Directory.Exists(target.JobDir(lab.JobId(target))));
        }

        var summary = Assert.Single(events, e => e.Event == "summary").Outcomes();
        Assert.Equal(new Dictionary<string, int> { ["ok"] = 1, ["failed"] = 1, ["auth-refused"] = 1, ["not-launched"] = 5 }.OrderBy(p => p.Key), summary.OrderBy(p => p.Key));
        var status = await lab.BatchStatusAsync();
        Assert.All(later, t => Assert.Equal("not-launched", status[t.Label]));

        // Not launched is resumable: resume runs them (and tries the refusing host again).
        var resume = await lab.RunAsync(["batch", "resume", lab.BatchId, "--json", "-j", "4", .. FleetLab.Fast]);
        Assert.True(resume.ExitCode == 3, resume.ToString());
        var resumed = FleetEvent.ParseAll(resume);
        Assert.All(later, t => Assert.Equal("ok", FleetEvent.Final(resumed, t.Label)?.Outcome));
        Assert.Equal("auth-refused", FleetEvent.Final(resumed, refused.Label)?.Outcome);
        Assert.All([ok, failing, .. later], t => Assert.Single(lab.Runs(t)));
    }
}
