namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>`rm` removes a finished job's directory and refuses a running one.</summary>
public sealed class RmTests(JobsHost host) : IClassFixture<JobsHost>
{
    [Fact(Timeout = 60000)]
    public async Task Rm_refuses_a_running_job_and_removes_it_once_it_is_killed()
    {
        var id = await host.LaunchAsync("exec sleep 300");

        var refused = await host.RunAsync("rm", [id]);

        Assert.Equal(251, refused.ExitCode);
        Assert.Contains("still running", CliAssert.SingleErrorLine(refused), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(host.JobDir(id), "cmd")));
        Assert.Equal("running", (await host.StatusAsync(id)).State);

        Assert.Equal(0, (await host.RunAsync("kill", [id], ["--grace", "1s"])).ExitCode);
        var removed = await host.RunAsync("rm", [id]);

        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Equal($"{id}: removed.\n", removed.StdoutText);
        Assert.False(Directory.Exists(host.JobDir(id)));
        Assert.Equal(252, (await host.RunAsync("status", [id])).ExitCode);
    }
}
