using System.Diagnostics;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// The supervisor of a fleet run is SIGKILLed mid-batch (some hosts done, some running, some
/// never launched, one perhaps half-launched), then `batch resume` finishes the batch: every host
/// ran its job exactly once (its counter file), every mirror equals its remote log, and the
/// journal shows every host finished.
/// </summary>
[Collection(FleetTests.Name)]
public sealed class BatchResumeTests(FleetHost host, ITestOutputHelper output)
{
    private const int Hosts = 24;
    private const int Parallel = 6;

    [Fact(Timeout = 90_000)]
    public async Task A_killed_supervisor_resumed_runs_every_host_exactly_once()
    {
        await using var lab = host.NewLab("resume");
        var targets = lab.Add(TargetKind.Good, Hosts);
        var command = FleetJob.Prelude(lab.CounterDir) + "echo start; sleep 1; echo done";
        var seed = Random.Shared.Next();
        var random = TestSeed.Random(seed);

        await using (var cli = lab.Start(lab.RunArguments(command, ["--json", "-j", $"{Parallel}", .. FleetLab.Fast], FleetLab.HostList(targets))))
        {
            // Kill somewhere in the second wave: after 8 launches, plus up to 400 ms.
            var reader = new FleetEventReader(cli);
            await Poll.UntilAsync(() => reader.Next() is var _ && reader.All.Count(e => e.Event == "launched") >= 8, TimeSpan.FromSeconds(30), "8 launches");
            await Task.Delay(random.Next(0, 400));
            Assert.True(cli.Signal(PosixSignals.SIGKILL), "the run ended before its kill");
            Assert.Equal(128 + PosixSignals.SIGKILL, await cli.WaitForExitAsync());
            reader.Next();
            var launched = reader.All.Count(e => e.Event == "launched");
            var finished = reader.All.Count(e => e.Event == "exited");
            output.WriteLine($"seed {seed}: SIGKILL after {launched} launched, {finished} finished");
            Assert.True(launched < Hosts, "every host was launched before the kill: nothing left to resume");
        }

        var before = await lab.BatchStatusAsync();
        output.WriteLine("before resume: " + string.Join(", ", before.Values.GroupBy(v => v).Select(g => $"{g.Count()} {g.Key}")));
        Assert.Contains("not-launched", before.Values);

        var clock = Stopwatch.StartNew();
        var resume = await lab.RunAsync(["batch", "resume", lab.BatchId, "--json", "-j", $"{Parallel}", .. FleetLab.Fast], TimeSpan.FromSeconds(60));
        output.WriteLine($"resume: exit {resume.ExitCode} in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(resume.ExitCode == 0, resume.ToString());
        var events = FleetEvent.ParseAll(resume);
        Assert.Equal(0, Assert.Single(events, e => e.Event == "summary").Raw.GetProperty("exit_code").GetInt32());

        foreach (var target in targets)
        {
            var id = lab.JobId(target);
            Assert.Equal([id], lab.Runs(target));
            var remote = lab.RemoteLog(target, id);
            Assert.Equal("start\ndone\n", System.Text.Encoding.ASCII.GetString(remote));
            Assert.Equal(FleetLab.Sha256(remote), FleetLab.Sha256(lab.Mirror(id)));
        }

        var status = await lab.BatchStatusAsync();
        Assert.Equal(targets.Select(t => t.Label).Order(), status.Keys.Order());
        Assert.All(status, s => Assert.True(s.Value == "ok", $"{s.Key}: {s.Value}"));
        var journal = await lab.JournalAsync();
        Assert.Equal(Hosts, journal.Count);
        Assert.All(journal, j => Assert.True((j.Phase, j.State, j.ExitCode) == ("finished", "exited", 0), $"{j.Id}: {j}"));

        // A second resume has nothing to do and launches nothing.
        var again = await lab.RunAsync(["batch", "resume", lab.BatchId, "--json"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("nothing left to resume", again.Stderr, StringComparison.Ordinal);
        Assert.All(targets, t => Assert.Single(lab.Runs(t)));
    }
}
