using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// A supervisor killed at each step of a launch (SESSIONKEEPER_FAULT): before the remote call,
/// after the job directory exists, after the job started, after the target's reply but before the
/// journal records it. `resume` then finishes the launch: the job ran exactly once (it appends a
/// line to a counter file) and the journal knows it as finished with its exit code.
/// </summary>
public sealed class LaunchCrashTests(SupervisionHost host, ITestOutputHelper output) : IClassFixture<SupervisionHost>
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(20);

    [Theory(Timeout = 60_000)]
    [InlineData("after-intent")]
    [InlineData("remote-after-mkdir")]
    [InlineData("remote-after-start")]
    [InlineData("after-launch-reply")]
    public async Task A_launch_killed_at_any_step_is_finished_by_resume_and_runs_exactly_once(string point)
    {
        var workstation = host.NewWorkstation(point);
        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var id = SupervisionHost.NewJobId("launch");
        var counter = host.TempFile(id + ".count");
        var command = $"echo x >> '{counter}'; echo ran; sleep 0.3; exit 5";
        var fault = new Dictionary<string, string?> { ["SESSIONKEEPER_FAULT"] = point };

        await using var run = workstation.Start(host.RunArguments(id, command, SupervisionHost.Fast, proxy), fault);
        if (point.StartsWith("remote-", StringComparison.Ordinal))
        {
            // The first connection carries the launch; refusing every later one keeps the CLI from
            // retrying at once, so the crash really is at this step.
            using var first = new CancellationTokenSource(Step);
            await proxy.WaitForConnectionsAsync(1, first.Token);
            proxy.Refuse();
        }

        var crashed = await ExitOrKillAsync(run);
        var atCrash = await workstation.JobAsync(id);
        output.WriteLine($"{point}: run ended with {crashed}; journal says {atCrash.State} ({atCrash.Phase}); "
            + $"target has directory {Directory.Exists(host.JobDir(id))}, start.lock {Directory.Exists(Path.Combine(host.JobDir(id), "start.lock"))}\n{run.StderrText.TrimEnd()}");
        Assert.Equal(("launching", "intent"), (atCrash.State, atCrash.Phase));
        AssertStepReached(point, id, counter);

        proxy.Resume();
        var resume = await workstation.RunAsync(["resume", .. SupervisionHost.Fast], timeout: Step);
        Assert.True(resume.ExitCode == 0, $"resume: {resume}");
        var again = await workstation.RunAsync(["resume", .. SupervisionHost.Fast], timeout: Step);

        var entry = await workstation.JobAsync(id);
        var runs = await File.ReadAllTextAsync(counter);
        output.WriteLine($"resume: {resume.StdoutText.TrimEnd()}; then: {again.StdoutText.TrimEnd()}; the job ran {runs.Count(c => c == '\n')} time(s)");
        Assert.Equal("x\n", runs);
        Assert.Equal(("finished", "exited", 5), (entry.Phase, entry.State, entry.ExitCode));
        Assert.Equal("ran\n", System.Text.Encoding.UTF8.GetString(workstation.ReadMirror(id)));
        Assert.Equal("nothing to resume.\n", again.StdoutText);
    }

    /// <summary>The target is exactly as a crash at <paramref name="point"/> leaves it.</summary>
    private void AssertStepReached(string point, string id, string counter)
    {
        var dir = host.JobDir(id);
        switch (point)
        {
            case "after-intent":
                Assert.False(Directory.Exists(dir), "the job directory exists although the launch never reached the target");
                Assert.False(File.Exists(counter));
                break;
            case "remote-after-mkdir":
                Assert.True(Directory.Exists(dir));
                Assert.False(Directory.Exists(Path.Combine(dir, "start.lock")), "the job was started");
                Assert.False(File.Exists(counter));
                break;
            default:
                Assert.True(Directory.Exists(Path.Combine(dir, "start.lock")), "the job was not started");
                break;
        }
    }

    /// <summary>The CLI's end as a crash would have it: its own SIGKILL or failure, or ours if it lingers.</summary>
    private static async Task<string> ExitOrKillAsync(CliProcess run)
    {
        try
        {
            return $"exit {await run.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10))}";
        }
        catch (TimeoutException)
        {
            run.Signal(PosixSignals.SIGKILL);
            return $"our SIGKILL (exit {await run.WaitForExitAsync().WaitAsync(Step)})";
        }
    }
}
