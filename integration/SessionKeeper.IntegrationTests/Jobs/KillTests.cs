using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>`kill` empties the job's whole process group and the exit status is still recorded.</summary>
public sealed class KillTests(JobsHost host) : IClassFixture<JobsHost>
{
    // A job with children, grandchildren and a pipeline, all in the job's process group.
    private const string Tree = "sleep 300 & (sleep 300; echo never) & sleep 300 | cat & echo ready; wait";

    [Theory(Timeout = 60000)]
    [InlineData(false, "TERM", 15)]
    [InlineData(true, "KILL", 9)]
    public async Task After_kill_no_process_of_the_job_group_is_alive_and_the_signal_is_recorded(bool ignoreTerm, string expectedSignal, int expectedNumber)
    {
        // An ignored TERM is inherited by every child: only the KILL after the grace period ends them.
        var id = await host.LaunchAsync(ignoreTerm ? "trap '' TERM; " + Tree : Tree);
        var before = await host.StatusAsync(id);
        Assert.Equal("running", before.State);
        var pgid = Assert.NotNull(before.ProcessGroup);
        await Poll.UntilAsync(() => GroupMembers(pgid).Count >= 5, TimeSpan.FromSeconds(10), $"the job's process tree in group {pgid}");

        var kill = await host.RunAsync("kill", [id], ["--grace", "1s"]);

        Assert.True(kill.ExitCode == 0, kill.ToString());
        Assert.Contains($"sent SIG{expectedSignal}", kill.StdoutText, StringComparison.Ordinal);
        Assert.Empty(GroupMembers(pgid));
        var after = await host.StatusAsync(id);
        Assert.Equal("killed", after.State);
        Assert.Equal(expectedNumber, after.Signal);
        Assert.Equal(128 + expectedNumber, after.ExitCode);
        Assert.Equal(128 + expectedNumber, (await host.RunAsync("wait", [id])).ExitCode);
    }

    [Fact(Timeout = 60000)]
    public async Task Kill_of_a_finished_job_sends_nothing_and_keeps_its_exit_code()
    {
        var id = await host.LaunchAsync("exit 5");
        Assert.Equal(5, (await host.RunAsync("wait", [id])).ExitCode);

        var kill = await host.RunAsync("kill", [id]);

        Assert.True(kill.ExitCode == 0, kill.ToString());
        Assert.Contains("no signal sent", kill.StdoutText, StringComparison.Ordinal);
        var status = await host.StatusAsync(id);
        Assert.Equal(("exited", 5), (status.State, status.ExitCode));
    }

    /// <summary>Live (non-zombie) processes whose process group is <paramref name="pgid"/>, from /proc.</summary>
    private static List<ProcStat> GroupMembers(int pgid) =>
        [.. ProcFs.Snapshot().Where(p => p.ProcessGroup == pgid && !p.IsZombie)];
}
