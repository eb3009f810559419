using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>`logs` prints a job's output so far (from its last N lines with --tail) and, with --follow, the rest until it ends, with its exit code.</summary>
public abstract class LogsTests(JobsHost host)
{
    [Fact(Timeout = 60_000)]
    public async Task Logs_prints_everything_so_far_or_the_last_lines_with_tail()
    {
        var id = await host.LaunchAsync("printf 'one\\ntwo\\nthree\\n'; exit 2");
        Assert.Equal(2, (await host.RunAsync("wait", [id])).ExitCode);

        var all = await host.RunAsync("logs", [id]);
        var tail = await host.RunAsync("logs", [id], ["--tail", "2"]);

        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Equal("one\ntwo\nthree\n", all.StdoutText);
        Assert.True(tail.ExitCode == 0, tail.ToString());
        Assert.Equal("two\nthree\n", tail.StdoutText);
    }

    [Fact(Timeout = 120_000)]
    public async Task Logs_follow_prints_new_output_until_the_end_and_exits_with_the_jobs_code()
    {
        var gate = Path.Combine(Path.GetTempPath(), "sk-logs-gate-" + Guid.NewGuid().ToString("N"));
        var id = await host.LaunchAsync($"echo before; while [ ! -e {gate} ]; do sleep 0.1; done; echo after; exit 5");
        try
        {
            await using var follow = host.Start("logs", [id], ["--follow"]);
            await follow.WaitForStdoutAsync("before\n", TimeSpan.FromSeconds(60));
            File.WriteAllText(gate, "");

            var result = await follow.WaitForResultAsync(TimeSpan.FromSeconds(60));

            Assert.True(result.ExitCode == 5, result.ToString());
            Assert.Equal("before\nafter\n", result.StdoutText);
        }
        finally
        {
            File.Delete(gate);
        }
    }

    /// <summary>Every CLI call connects by itself.</summary>
    public sealed class Direct(JobsHost host) : LogsTests(host), IClassFixture<JobsHost>;

    /// <summary>Every CLI call goes through a daemon's broker: the same assertions.</summary>
    public sealed class Brokered(BrokeredJobsHost host) : LogsTests(host), IClassFixture<BrokeredJobsHost>;
}
