namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>`ps` lists every job on the host with its state and command, as text and as JSON.</summary>
public sealed class PsTests(JobsHost host) : IClassFixture<JobsHost>
{
    [Fact(Timeout = 60000)]
    public async Task Ps_lists_running_and_finished_jobs()
    {
        var running = await host.LaunchAsync("exec sleep 300");
        var finished = await host.LaunchAsync("echo hi; exit 3");
        Assert.Equal(3, (await host.RunAsync("wait", [finished])).ExitCode);

        var json = await host.RunAsync("ps", [], ["--json"]);
        var text = await host.RunAsync("ps", []);

        Assert.True(json.ExitCode == 0, json.ToString());
        var jobs = JobStatusJson.ParseArray(json.StdoutText);
        var first = Assert.Single(jobs, j => j.Id == running);
        Assert.Equal(("running", "exec sleep 300"), (first.State, first.Command));
        Assert.NotNull(first.Pid);
        var second = Assert.Single(jobs, j => j.Id == finished);
        Assert.Equal(("exited", 3, "echo hi; exit 3"), (second.State, second.ExitCode, second.Command));
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains(text.StdoutText.Split('\n'), l => l.StartsWith(running, StringComparison.Ordinal) && l.Contains("running", StringComparison.Ordinal));
        Assert.Contains(text.StdoutText.Split('\n'), l => l.StartsWith(finished, StringComparison.Ordinal) && l.Contains("exited 3", StringComparison.Ordinal));
    }
}
