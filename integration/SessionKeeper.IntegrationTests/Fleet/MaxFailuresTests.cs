using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// `--max-failures` stops launching on new hosts once reached. With -j 1 the order is the target
/// list's: host 1 succeeds, host 2 refuses our key, host 3's job fails, and hosts 4 to 8 are never
/// launched (nothing reaches them) and are journaled `skipped`: neither `resume` nor the daemon runs
/// them (that would defeat the halt of a bad rollout); `batch resume`, asked by name, does.
/// </summary>
public sealed class MaxFailuresTests(FleetHost host, ITestOutputHelper output) : IClassFixture<FleetHost>
{
    // A hang guard, not a time limit: eleven CLI runs and a daemon take minutes beside a CPU hog.
    [Theory(Timeout = 300_000)]
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
        Assert.All(later, t => Assert.Equal("skipped", status[t.Label]));

        // The implicit paths leave them alone.
        var implicitResume = await lab.RunAsync(["resume", .. FleetLab.Fast]);
        Assert.True(implicitResume.ExitCode == 0, implicitResume.ToString());
        await RunDaemonOverAsync(lab, ok);
        Assert.All(later, t => Assert.Empty(lab.Runs(t)));
        Assert.All(later, t => Assert.Equal(0, t.Proxy!.TotalConnections));
        Assert.All(await lab.JournalAsync(), r => Assert.True(r.Host == ok.Label || r.Host == failing.Label || r.Host == refused.Label || r.Phase == "skipped", r.ToString()));

        // Asked for by name: batch resume runs them (and tries the refusing host again).
        var resume = await lab.RunAsync(["batch", "resume", lab.BatchId, "--json", "-j", "4", .. FleetLab.Fast]);
        Assert.True(resume.ExitCode == 3, resume.ToString());
        var resumed = FleetEvent.ParseAll(resume);
        Assert.All(later, t => Assert.Equal("ok", FleetEvent.Final(resumed, t.Label)?.Outcome));
        Assert.Equal("auth-refused", FleetEvent.Final(resumed, refused.Label)?.Outcome);
        Assert.All([ok, failing, .. later], t => Assert.Single(lab.Runs(t)));
    }

    [Fact(Timeout = 60_000)]
    public async Task An_invalid_max_failures_journals_nothing()
    {
        await using var lab = host.NewLab("maxfailabc");
        var targets = lab.Add(TargetKind.Good, 2);
        var run = await lab.RunAsync(lab.RunArguments(FleetJob.Prelude(lab.CounterDir) + "exit 0", ["--max-failures", "abc", .. FleetLab.Fast], FleetLab.HostList(targets)));
        Assert.True(run.ExitCode == 251, run.ToString());
        Assert.Contains("--max-failures", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(await lab.JournalAsync());

        var resume = await lab.RunAsync(["resume", .. FleetLab.Fast]);
        Assert.Equal("nothing to resume.\n", resume.StdoutText);
        Assert.All(targets, t => Assert.Empty(lab.Runs(t)));
        Assert.All(targets, t => Assert.Equal(0, t.Proxy!.TotalConnections));
    }

    /// <summary>The daemon, until it has supervised a sentinel job on <paramref name="target"/> to its end: by then it saw the whole journal.</summary>
    private async Task RunDaemonOverAsync(FleetLab lab, TargetHost target)
    {
        var sentinel = lab.BatchId + "sentinel";
        var gate = Path.Combine(lab.CounterDir, "sentinel.go");
        var launched = await lab.RunAsync(
            ["run", "--id", sentinel, "--shell", "/bin/sh", .. lab.ConnectionOptions, "-p", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--detach",
             $"{target.User}@127.0.0.1", "--", $"while [ ! -e '{gate}' ]; do sleep 0.1; done; exit 0"]);
        Assert.True(launched.ExitCode == 0, launched.ToString());
        await using var daemon = lab.Start(["daemon", "--poll", "200ms", .. FleetLab.Fast]);
        await Poll.UntilAsync(() => daemon.StderrText.Contains(sentinel, StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => $"the daemon to pick up {sentinel}\n{daemon.StderrText}");
        await File.WriteAllTextAsync(gate, "");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await SentinelFinishedAsync(lab, sentinel))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{sentinel} was never finished by the daemon\n{daemon.StderrText}");
            await Task.Delay(Poll.DefaultInterval * 10);
        }

        daemon.Signal(PosixSignals.SIGTERM);
        await daemon.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        output.WriteLine($"daemon:\n{daemon.StderrText}");
    }

    private static async Task<bool> SentinelFinishedAsync(FleetLab lab, string sentinel)
    {
        var jobs = await lab.RunAsync(["jobs", "--json", "--state", "exited"]);
        return jobs.StdoutText.Contains($"\"{sentinel}\"", StringComparison.Ordinal);
    }
}
