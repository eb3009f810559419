using System.Diagnostics;
using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// The supervisor itself dies, again and again: a foreground `run` streaming a numbered job is
/// SIGKILLed at a random moment, then each `attach JOB` that follows is SIGKILLed too. Several jobs
/// go through this at once. Afterwards `resume` completes them all: each mirror equals the remote
/// log byte for byte and the journal holds each job's exit code.
/// </summary>
[Collection(SupervisionTests.Name)]
public sealed class SupervisorKillTests(SupervisionHost host, ITestOutputHelper output)
{
    private const int Jobs = 3;
    private const int KillsPerJob = 8;
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(20);

    [Fact(Timeout = 150_000)]
    public async Task Twenty_four_sigkills_of_the_supervisor_lose_and_duplicate_nothing()
    {
        var random = TestSeed.Replayable("SK_KILL_SEED", output);
        var workstation = host.NewWorkstation("kill");
        var jobs = Enumerable.Range(0, Jobs)
            .Select(i => new KilledJob(SupervisionHost.NewJobId($"kill{i}"), host.TempFile($"kill{i}-{Guid.NewGuid():N}.stop"), 3 + (2 * i), random.Next()))
            .ToList();

        var clock = Stopwatch.StartNew();
        var kills = (await Task.WhenAll(jobs.Select(job => KillRepeatedlyAsync(workstation, job)))).SelectMany(k => k).ToList();
        var killsTook = clock.Elapsed;
        var resume = await workstation.RunAsync(["resume", .. SupervisionHost.Fast], timeout: TimeSpan.FromSeconds(60));
        Assert.True(resume.ExitCode == 0, $"resume: {resume}");

        output.WriteLine($"{kills.Count} SIGKILLs in {killsTook.TotalSeconds:0.0} s over {Jobs} concurrent jobs; resume took the rest:\n{resume.StdoutText.TrimEnd()}");
        output.WriteLine($"kill moments: {Summary(kills.Select(k => k.AfterMs))}; "
            + $"{kills.Count(k => k.Verb == "run")} runs and {kills.Count(k => k.Verb == "attach")} attaches killed, "
            + $"{kills.Count(k => k.Stdout == 0)} before their first byte of output, {kills.Count(k => k.Stdout > 0)} after it");
        var journal = await workstation.JobsAsync();
        foreach (var job in jobs)
        {
            var remote = await File.ReadAllBytesAsync(host.RemoteLog(job.Id));
            var mirror = workstation.ReadMirror(job.Id);
            var lines = SequenceJob.Analyze(mirror);
            var entry = Assert.Single(journal, j => j.Id == job.Id);
            var attach = await workstation.RunAsync(["attach", .. SupervisionHost.Fast, job.Id], timeout: Step);
            output.WriteLine(
                $"{job.Id}: remote {remote.Length} B sha256 {SupervisionHost.Sha256(remote)[..16]}, mirror {mirror.Length} B sha256 {SupervisionHost.Sha256(mirror)[..16]}, "
                + $"{lines.Lines} lines, lost {lines.Lost}, duplicated {lines.Duplicated}, out of order {lines.OutOfOrder}; "
                + $"journal {entry.State} {entry.ExitCode} committed {entry.CommittedLength}; final attach exit {attach.ExitCode}, stdout {attach.Stdout.Length} B");

            Assert.Equal(SupervisionHost.Sha256(remote), SupervisionHost.Sha256(mirror));
            Assert.True(lines.IsPerfect, $"{job.Id}: {lines}");
            Assert.Equal(("finished", "exited", job.ExitCode), (entry.Phase, entry.State, entry.ExitCode));
            Assert.Equal(remote.Length, entry.CommittedLength);
            Assert.True(attach.ExitCode == job.ExitCode, attach.ToString());
            Assert.Equal(SupervisionHost.Sha256(remote), SupervisionHost.Sha256(attach.Stdout));
        }

        Assert.True(kills.Count >= 20, $"only {kills.Count} kills");
    }

    /// <summary>run, SIGKILL; then attach, SIGKILL, again and again; then the job may end.</summary>
    private async Task<List<Kill>> KillRepeatedlyAsync(Workstation workstation, KilledJob job)
    {
        var random = new Random(job.Seed);
        var kills = new List<Kill>();
        for (var k = 0; k < KillsPerJob; k++)
        {
            var verb = k == 0 ? "run" : "attach";
            string[] args = k == 0
                ? host.RunArguments(job.Id, SequenceJob.Command(job.StopFile, job.ExitCode), SupervisionHost.Fast)
                : ["attach", .. SupervisionHost.Fast, job.Id];
            await using var cli = workstation.Start(args);
            if (k == 0)
            {
                // Until the intent is journaled there is nothing to reattach to: let the first run start streaming.
                await cli.WaitForStdoutAsync("seq 0 ", Step);
            }

            // The random pause IS the scenario: startup, connecting, replaying the mirror or streaming.
            var pause = random.Next(100, 2500);
            var started = Stopwatch.StartNew();
            await Task.Delay(pause);
            Assert.False(cli.HasExited, $"{verb} of {job.Id} ended before its kill: exit {cli.ExitCode}\n{cli.StderrText}");
            var stdout = cli.StdoutLength;
            cli.Signal(PosixSignals.SIGKILL);
            Assert.Equal(128 + PosixSignals.SIGKILL, await cli.WaitForExitAsync().WaitAsync(Step));
            kills.Add(new Kill(verb, started.Elapsed.TotalMilliseconds, stdout));
        }

        await File.WriteAllTextAsync(job.StopFile, "");
        return kills;
    }

    private static string Summary(IEnumerable<double> ms)
    {
        var sorted = ms.Order().ToList();
        return $"n={sorted.Count}, min {sorted[0]:0} ms, median {sorted[sorted.Count / 2]:0} ms, max {sorted[^1]:0} ms after start";
    }

    private sealed record KilledJob(string Id, string StopFile, int ExitCode, int Seed);

    private sealed record Kill(string Verb, double AfterMs, int Stdout);
}
