using System.Diagnostics;
using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// The job's pgid file is rewritten to name another process group of the same user while its pid
/// file stays right. Every signal must be checked against the live group: the other group gets
/// nothing, `kill` says so with its own exit code, and the job is reported as it really is.
/// </summary>
public sealed class PgidTamperTests(JobsHost host) : IClassFixture<JobsHost>
{
    /// <summary>Logs every catchable signal it receives, one name a line; "ready" once its handlers are set.</summary>
    private const string VictimScript = """
        open(my $log, '>>', $ARGV[0]) or die "log: $!";
        $log->autoflush(1);
        for my $s (keys %SIG) {
            next if $s =~ /^(KILL|STOP|ZERO|__WARN__|__DIE__)$/;
            $SIG{$s} = sub { print $log "$_[0]\n" };
        }
        open(my $ready, '>', $ARGV[1]) or die "ready: $!";
        close $ready;
        sleep 1000 while 1;
        """;

    [Fact(Timeout = 90000)]
    public async Task A_pgid_file_naming_another_group_is_refused_and_that_group_gets_no_signal()
    {
        var id = await host.LaunchAsync("exec sleep 300");
        var job = host.RecordedIdentity(id);
        var dir = Path.Combine(host.Sshd.TempDir, "victim-" + id);
        Directory.CreateDirectory(dir);
        var log = Path.Combine(dir, "signals");
        await using var victim = await StartVictimAsync(log, Path.Combine(dir, "ready"));
        var victimStart = Assert.NotNull(ProcFs.TryReadStat(victim.Pid)).StartTime;
        Assert.Equal(victim.Pid, ProcFs.TryReadStat(victim.Pid)!.Value.ProcessGroup);
        var pgidFile = Path.Combine(host.JobDir(id), "pgid");
        File.WriteAllText(pgidFile, victim.Pid.ToString(CultureInfo.InvariantCulture) + "\n");

        var kill = await host.RunAsync("kill", [id], ["--grace", "1s"]);

        Assert.True(kill.ExitCode == 246, kill.ToString());
        Assert.Contains("refused to signal", kill.Stderr, StringComparison.Ordinal);
        Assert.Contains("The job is running", kill.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("sent SIG", kill.StdoutText, StringComparison.Ordinal);
        Assert.Equal("", File.ReadAllText(log));
        var victimNow = Assert.NotNull(ProcFs.TryReadStat(victim.Pid));
        Assert.Equal(victimStart, victimNow.StartTime);
        Assert.False(victimNow.IsZombie || victimNow.IsStopped, $"the other group was signalled: state {victimNow.State}");
        Assert.True(ProcFs.IsAlive(job.Pid, job.StartTime), "the job itself was signalled");
        Assert.Equal("running", (await host.StatusAsync(id)).State);

        // With the file put right, the same kill works: the refusal came from the tampering alone.
        File.WriteAllText(pgidFile, job.Pid.ToString(CultureInfo.InvariantCulture) + "\n");
        var retry = await host.RunAsync("kill", [id], ["--grace", "1s"]);
        Assert.True(retry.ExitCode == 0, retry.ToString());
        Assert.Equal(("killed", 15), ((await host.StatusAsync(id)).State, (await host.StatusAsync(id)).Signal));
        Assert.Equal("", File.ReadAllText(log));
    }

    private static async Task<CliProcess> StartVictimAsync(string log, string ready)
    {
        var psi = new ProcessStartInfo("setsid");
        psi.ArgumentList.Add("perl");
        psi.ArgumentList.Add("-e");
        psi.ArgumentList.Add(VictimScript);
        psi.ArgumentList.Add(log);
        psi.ArgumentList.Add(ready);
        var victim = CliProcess.Start(psi);
        await Poll.UntilAsync(() => File.Exists(ready), TimeSpan.FromSeconds(20), "the other process group to set its signal handlers");
        return victim;
    }
}
