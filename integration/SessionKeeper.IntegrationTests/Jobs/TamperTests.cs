using System.Diagnostics;
using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// The job's pid file is rewritten to name another live process of the same user (a reused PID
/// looks the same). The job must be reported lost, and that process must receive no signal.
/// </summary>
public sealed class TamperTests(JobsHost host) : IClassFixture<JobsHost>
{
    [Theory(Timeout = 60000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_pid_file_naming_another_process_makes_the_job_lost_and_that_process_is_not_signalled(bool processGroupToo)
    {
        var id = await host.LaunchAsync("exec sleep 300");
        var job = host.RecordedIdentity(id);
        await using var victim = await StartVictimAsync();
        var victimStart = Assert.NotNull(ProcFs.TryReadStat(victim.Pid)).StartTime;
        Assert.Equal(victim.Pid, ProcFs.TryReadStat(victim.Pid)!.Value.ProcessGroup);

        var dir = host.JobDir(id);
        File.WriteAllText(Path.Combine(dir, "pid"), victim.Pid.ToString(CultureInfo.InvariantCulture) + "\n");
        if (processGroupToo)
        {
            File.WriteAllText(Path.Combine(dir, "pgid"), victim.Pid.ToString(CultureInfo.InvariantCulture) + "\n");
        }

        var status = await host.StatusAsync(id);
        Assert.Equal(("lost", "identity-mismatch"), (status.State, status.LostReason));
        Assert.Null(status.ExitCode);

        var kill = await host.RunAsync("kill", [id], ["--grace", "1s"]);

        Assert.True(kill.ExitCode == 0, kill.ToString());
        var victimNow = Assert.NotNull(ProcFs.TryReadStat(victim.Pid));
        Assert.Equal(victimStart, victimNow.StartTime);
        Assert.False(victimNow.IsZombie || victimNow.IsStopped, $"the other process was signalled: state {victimNow.State}");
        Assert.False(victim.HasExited, "the other process was killed");
        if (processGroupToo)
        {
            // Nothing carrying the job's cookie is in the named group: no signal at all.
            Assert.Contains("no signal sent", kill.StdoutText, StringComparison.Ordinal);
            Assert.True(ProcFs.IsAlive(job.Pid, job.StartTime), "the real job was signalled through a forged group");
        }
    }

    /// <summary>`setsid sleep`: a process of the test's user, in a process group of its own.</summary>
    private static async Task<CliProcess> StartVictimAsync()
    {
        var psi = new ProcessStartInfo("setsid");
        psi.ArgumentList.Add("sleep");
        psi.ArgumentList.Add("300");
        var victim = CliProcess.Start(psi);
        await Poll.UntilAsync(() => ProcFs.TryReadStat(victim.Pid) is { Comm: "sleep" }, TimeSpan.FromSeconds(10), "the other process to start");
        return victim;
    }
}
