namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// `run -e K=V`: the job's environment takes effect at the job's own exec only. A PATH, IFS, HOME
/// or LD_PRELOAD meant for the job never breaks the wrapper's prelude, and the exit code is exact.
/// </summary>
public sealed class JobEnvironmentTests(JobsHost host) : IClassFixture<JobsHost>
{
    [Theory(Timeout = 90000)]
    [InlineData("PATH=/usr/local/bin")]
    [InlineData("PATH=")]
    [InlineData("IFS=/ :=x")]
    [InlineData("HOME=/nonexistent")]
    [InlineData("LD_PRELOAD=/nonexistent/sk-preload.so")]
    [InlineData("cmd=exit 0")]
    [InlineData("shell=/bin/false")]
    public async Task A_foreground_run_returns_the_job_exit_code_whatever_its_environment(string assignment)
    {
        var run = await host.RunAsync("run", ["--", "exit 5"], ["-e", assignment]);

        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.DoesNotContain("not found", run.StdoutText + run.Stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 90000)]
    public async Task The_job_gets_its_environment_and_the_login_home_as_working_directory()
    {
        var run = await host.RunAsync("run", ["--", "printf '%s|%s\\n' \"$HOME\" \"$PWD\"; ls / >/dev/null || echo no-ls"], ["-e", "HOME=/nonexistent"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var fields = run.StdoutText.TrimEnd('\n').Split('|');
        Assert.Equal("/nonexistent", fields[0]);
        Assert.NotEqual("/nonexistent", fields[1]);
        Assert.DoesNotContain("no-ls", run.StdoutText, StringComparison.Ordinal);
    }
}
