using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// Issue 17 item 2: a running job's identity files (pid, pgid, starttime, boot_id, cookie) forged,
/// alone and together, to name a victim: another session leader of the same user that logs every
/// catchable signal. Every verb that may signal or delete (kill, kill --signal INT, rm, gc, a
/// restart policy, --timeout) runs against the tampered job. The victim must never get a signal,
/// and the real job must end up as a user would expect:
/// <list type="bullet">
/// <item>starttime, boot_id or cookie alone: the pid file still names the job, which the runner
/// proves its own from /proc (the wrapper's grandchild), so it is reported running and kill
/// stops it; those files are not what identifies it.</item>
/// <item>pid or pgid forged (alone or with the others): the files name a process or group that is
/// not the job, so kill is refused (exit 246, nothing sent) and the job keeps running. With the
/// pid forged the job is reported lost (identity-mismatch): its files no longer name it.</item>
/// <item>rm and gc never delete the directory of a job whose wrapper still runs, whatever it says.</item>
/// <item>A restart policy and --timeout never read the files: the wrapper records the exit of
/// the job it started and the timeout signals that job's group, so the job fails or times out
/// exactly as without tampering.</item>
/// </list>
/// One nested class per verb, each on its sshd of its own: xunit runs classes in parallel and the
/// cases of one class one after another, and 45 cases in a row made this the suite's longest path.
/// </summary>
public abstract class IdentityTamperTests(JobsHost host)
{
    /// <summary>A boot id of another boot: the victim runs on this one, so only a foreign one can be forged.</summary>
    private const string ForeignBootId = "00000000-0000-4000-8000-000000000000";

    protected JobsHost Host => host;

    public static TheoryData<string> Combos => new()
    {
        "pid", "pgid", "starttime", "boot_id", "cookie",
        "pid+pgid", "pid+pgid+starttime", "pid+pgid+starttime+cookie", "pid+pgid+starttime+boot_id+cookie",
    };

    /// <summary>`kill` (TERM, then KILL after the grace period) against a job whose identity files were forged.</summary>
    [LongRunning(75)]
    public sealed class Kill(JobsHost host) : IdentityTamperTests(host), IClassFixture<JobsHost>
    {
        [Theory(Timeout = 120_000)]
        [MemberData(nameof(Combos))]
        public async Task Kill_stops_a_job_it_proves_its_own_and_refuses_one_whose_files_name_the_victim(string combo)
        {
            await using var victim = await StartVictimAsync();
            var (id, job) = await LaunchForgedAsync(combo, victim, "exec sleep 300");

            var kill = await Host.RunAsync("kill", [id], ["--grace", "5s"]);

            victim.AssertUntouched();
            if (Refused(combo))
            {
                AssertRefused(kill);
                Assert.True(ProcFs.IsAlive(job.Pid, job.StartTime), "the real job was signalled");
                PosixSignals.Send(job.Pid, PosixSignals.SIGKILL);
            }
            else
            {
                Assert.True(kill.ExitCode == 0, kill.ToString());
                Assert.Contains("sent SIGTERM", kill.StdoutText, StringComparison.Ordinal);
                var status = await Host.StatusAsync(id);
                Assert.Equal(("killed", 15), (status.State, status.Signal));
            }

            victim.AssertUntouched();
        }
    }

    /// <summary>`kill --signal INT` against a job whose identity files were forged.</summary>
    [LongRunning(60)]
    public sealed class KillSignalInt(JobsHost host) : IdentityTamperTests(host), IClassFixture<JobsHost>
    {
        [Theory(Timeout = 120_000)]
        [MemberData(nameof(Combos))]
        public async Task Kill_with_signal_int_reaches_only_a_job_it_proves_its_own(string combo)
        {
            await using var victim = await StartVictimAsync();
            var (id, job) = await LaunchForgedAsync(combo, victim, "exec sleep 300");

            var kill = await Host.RunAsync("kill", [id], ["--signal", "INT"]);

            if (Refused(combo))
            {
                AssertRefused(kill);
                victim.AssertUntouched();
                Assert.True(ProcFs.IsAlive(job.Pid, job.StartTime), "the real job was signalled");
                PosixSignals.Send(job.Pid, PosixSignals.SIGKILL);
            }
            else
            {
                Assert.True(kill.ExitCode == 0, kill.ToString());
                Assert.Contains("sent SIGINT", kill.StdoutText, StringComparison.Ordinal);
                await UntilExitRecordAsync(id);
                var status = await Host.StatusAsync(id);
                Assert.Equal(("killed", 2), (status.State, status.Signal));
                victim.AssertUntouched();
            }
        }
    }

    /// <summary>`status`, `rm` and `gc` against a job whose identity files were forged.</summary>
    [LongRunning(180)]
    public sealed class RmAndGc(JobsHost host) : IdentityTamperTests(host), IClassFixture<JobsHost>
    {
        /// <summary>Neither rm nor gc touch the job; status says what the files allow it to say.</summary>
        [Theory(Timeout = 120_000)]
        [MemberData(nameof(Combos))]
        public async Task Rm_and_gc_keep_the_directory_of_the_running_job_and_status_reports_it(string combo)
        {
            await using var victim = await StartVictimAsync();
            var (id, job) = await LaunchForgedAsync(combo, victim, "exec sleep 300");

            var status = await Host.StatusAsync(id);
            var rm = await Host.RunAsync("rm", [id]);
            var gc = await Host.RunAsync("gc", [], ["--older-than", "0s"]);

            var expected = combo.Split('+').Contains("pid") ? ("lost", "identity-mismatch") : ("running", (string?)null);
            Assert.Equal(expected, (status.State, status.LostReason));
            Assert.True(rm.ExitCode == 251, rm.ToString());
            Assert.Contains("is still running", rm.Stderr, StringComparison.Ordinal);
            Assert.True(gc.ExitCode == 0, gc.ToString());
            Assert.DoesNotContain(id, gc.StdoutText, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(Host.JobDir(id), "cmd")), "the job directory was removed");
            Assert.True(ProcFs.IsAlive(job.Pid, job.StartTime), "the real job was signalled");
            victim.AssertUntouched();
            PosixSignals.Send(job.Pid, PosixSignals.SIGKILL);
        }
    }

    /// <summary>A restart policy against a job whose identity files were forged.</summary>
    [LongRunning(75)]
    public sealed class RestartPolicy(JobsHost host) : IdentityTamperTests(host), IClassFixture<JobsHost>
    {
        /// <summary>The job fails after its files were forged: the wrapper's record still says exit 3, and the policy runs it again.</summary>
        [Theory(Timeout = 120_000)]
        [MemberData(nameof(Combos))]
        public async Task A_restart_policy_reads_the_exit_of_the_job_itself_and_restarts_it(string combo)
        {
            await using var victim = await StartVictimAsync();
            var id = JobsHost.NewJobId("rs");
            var gate = Path.Combine(Host.Sshd.TempDir, id + ".gate");
            await using var run = Host.Start(
                "run",
                ["--", $"while [ ! -e '{gate}' ]; do sleep 0.05; done; exit 3"],
                ["--id", id, "--shell", "/bin/sh", "--restart", "on-failure", "--max-restarts", "1", "--restart-delay", "100ms"]);
            await Poll.UntilAsync(() => JobDirFiles.HasIdentity(Host.JobDir(id)), TimeSpan.FromSeconds(60), "the first attempt to start");
            Forge(id, combo, victim);
            File.WriteAllText(gate, "");

            var result = await run.WaitForResultAsync(TimeSpan.FromSeconds(90));

            Assert.True(result.ExitCode == 3, result.ToString());
            Assert.Single(result.Stderr.Split('\n'), l => l.Contains("restarting", StringComparison.Ordinal));
            var first = await Host.StatusAsync(id);
            Assert.Equal(("exited", 3), (first.State, first.ExitCode));
            Assert.Equal(("exited", 3), ((await Host.StatusAsync(id + "-r2")).State, (await Host.StatusAsync(id + "-r2")).ExitCode));
            victim.AssertUntouched();
        }
    }

    /// <summary>`--timeout` against a job whose identity files were forged.</summary>
    [LongRunning(120)]
    public sealed class TimeoutOption(JobsHost host) : IdentityTamperTests(host), IClassFixture<JobsHost>
    {
        /// <summary>
        /// The job says "forged" once its files were forged (it waits for the test's gate), then runs
        /// on until --timeout ends it: TERM, counted as a timeout, reaches the job and not the victim.
        /// </summary>
        [Theory(Timeout = 120_000)]
        [MemberData(nameof(Combos))]
        public async Task A_timeout_ends_the_job_it_started_whatever_its_files_name(string combo)
        {
            await using var victim = await StartVictimAsync();
            var id = JobsHost.NewJobId("to");
            var gate = Path.Combine(Host.Sshd.TempDir, id + ".gate");
            var launch = await Host.RunAsync(
                "run",
                ["--", $"while [ ! -e '{gate}' ]; do sleep 0.05; done; echo forged; exec sleep 300"],
                ["--detach", "--id", id, "--shell", "/bin/sh", "--timeout", "5s", "--grace", "2s"]);
            Assert.True(launch.ExitCode == 0, launch.ToString());
            Forge(id, combo, victim);
            File.WriteAllText(gate, "");

            await UntilExitRecordAsync(id);

            // The job saw the gate before it was ended: the timeout came after the forgery.
            Assert.Equal("forged\n", File.ReadAllText(Path.Combine(Host.JobDir(id), "out")));
            var status = await Host.StatusAsync(id);
            Assert.Equal(("timed-out", 15), (status.State, status.Signal));
            victim.AssertUntouched();
        }
    }

    /// <summary>Forging the pid or pgid file makes the files name something that is not the job.</summary>
    protected static bool Refused(string combo) => combo.Split('+').Any(f => f is "pid" or "pgid");

    protected static void AssertRefused(CliResult kill)
    {
        Assert.True(kill.ExitCode == 246, kill.ToString());
        Assert.Contains("refused to signal", kill.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was sent", kill.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("sent SIG", kill.StdoutText, StringComparison.Ordinal);
    }

    protected Task<SignalLoggingVictim> StartVictimAsync() =>
        SignalLoggingVictim.StartAsync(Path.Combine(host.Sshd.TempDir, "victim-" + Guid.NewGuid().ToString("N")));

    protected async Task<(string Id, (int Pid, long StartTime) Job)> LaunchForgedAsync(string combo, SignalLoggingVictim victim, string command)
    {
        var id = await host.LaunchAsync(command);
        var job = host.RecordedIdentity(id);
        Forge(id, combo, victim);
        return (id, job);
    }

    protected void Forge(string id, string combo, SignalLoggingVictim victim)
    {
        foreach (var file in combo.Split('+'))
        {
            var value = file switch
            {
                "pid" or "pgid" => victim.Pid.ToString(CultureInfo.InvariantCulture),
                "starttime" => victim.StartTime.ToString(CultureInfo.InvariantCulture),
                "boot_id" => ForeignBootId,
                "cookie" => victim.Cookie,
                _ => throw new ArgumentOutOfRangeException(nameof(combo), file, "unknown identity file"),
            };
            JobDirFiles.Forge(host.JobDir(id), file, value);
        }
    }

    protected Task UntilExitRecordAsync(string id) =>
        Poll.UntilAsync(() => File.Exists(Path.Combine(host.JobDir(id), "exit")), TimeSpan.FromSeconds(60), "the wrapper to record the exit");
}
