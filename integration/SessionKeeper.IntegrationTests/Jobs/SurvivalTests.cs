using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// The seed scenario: the per-connection sshd is SIGKILLed while a job runs. A job started by
/// SessionKeeper runs on, finishes and its exit code is read back by a fresh process; the same
/// command run by plain OpenSSH with a PTY dies with the connection.
/// </summary>
/// <remarks>
/// Instead of `sleep 3` the jobs wait for a gate file that the test creates once the connection
/// is dead: no timing assumption, however slow the machine.
/// </remarks>
public sealed class SurvivalTests(JobsHost host) : IClassFixture<JobsHost>
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(15);

    [Fact(Timeout = 60000)]
    public async Task A_job_survives_the_sigkill_of_its_connection_and_its_exit_code_is_read_back()
    {
        var (gate, marker) = Files();
        var id = JobsHost.NewJobId("seed");
        await NoConnectionsAsync();
        await using var run = host.Start(
            "run",
            ["--", $"echo before; {WaitFor(gate)}; echo done >> '{marker}'; echo after; exit 7"],
            ["-v", "--id", id, "--shell", "/bin/sh", "--heartbeat", "200ms", "--dead-after", "2s"]);
        await run.WaitForStdoutAsync("before\n", Quick);
        var connection = Assert.Single(host.Sshd.SessionProcesses());
        var job = host.RecordedIdentity(id);

        await KillAsync(connection);

        // The connection is gone, the job is not; let it finish now.
        Assert.True(ProcFs.IsAlive(job.Pid, job.StartTime), "the job died with its connection");
        File.WriteAllText(gate, "");
        var result = await run.WaitForResultAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(7, result.ExitCode);
        Assert.Equal("before\nafter\n", result.StdoutText);
        Assert.Contains("lost", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("reconnected", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("done\n", File.ReadAllText(marker));

        // A fresh process, a fresh connection: the exit code is still there.
        var status = await host.StatusAsync(id);
        Assert.Equal(("exited", 7, (int?)null), (status.State, status.ExitCode, status.Signal));
    }

    [Fact(Timeout = 60000)]
    public async Task A_detached_job_survives_the_sigkill_of_an_attached_connection()
    {
        var (gate, marker) = Files();
        var id = await host.LaunchAsync($"{WaitFor(gate)}; echo done >> '{marker}'; exit 7");
        var job = host.RecordedIdentity(id);
        await NoConnectionsAsync();
        await using var attach = host.Start("attach", [id], ["-v", "--heartbeat", "200ms", "--dead-after", "2s"]);
        var connection = await host.Sshd.WaitForSessionProcessAsync(timeout: Quick);

        await KillAsync(connection);

        Assert.True(ProcFs.IsAlive(job.Pid, job.StartTime), "the job died with its connection");
        File.WriteAllText(gate, "");
        Assert.Equal(7, (await attach.WaitForResultAsync(TimeSpan.FromSeconds(30))).ExitCode);
        Assert.Equal("done\n", File.ReadAllText(marker));
        var status = await host.StatusAsync(id);
        Assert.Equal(("exited", 7), (status.State, status.ExitCode));
    }

    [SkippableFact(Timeout = 60000)]
    public async Task The_same_command_over_plain_ssh_with_a_pty_dies_with_its_connection()
    {
        // A non-root sshd cannot hand a PTY to the user (chown of /dev/pts/N fails) and drops the session.
        Prerequisite.Require(SshdFixture.IsRoot, "needs root: an sshd that is not root cannot allocate a PTY");
        var (gate, marker) = Files();
        await NoConnectionsAsync();
        await using var ssh = host.Sshd.StartOpenSsh(
            $"echo started; {WaitFor(gate)}; echo done >> '{marker}'; exit 7",
            new OpenSshOptions { Tty = true, KeepStdinOpen = true });
        await ssh.WaitForStdoutAsync("started", Quick);
        var connection = Assert.Single(host.Sshd.SessionProcesses());
        Assert.Contains("@pts/", connection.CommandLine, StringComparison.Ordinal);
        var command = ProcFs.Descendants(connection.Pid, ProcFs.Snapshot()).Where(p => !p.IsZombie).ToList();
        Assert.Contains(command, p => p.ParentPid == connection.Pid);

        await KillAsync(connection);

        Assert.Equal(255, (await ssh.WaitForResultAsync(Quick)).ExitCode);
        // SIGHUP from the hung-up terminal: every process of the command is gone before the gate
        // opens, so nothing is left that could ever write the marker.
        await Poll.UntilAsync(() => command.All(p => !ProcFs.IsAlive(p.Pid, p.StartTime)), Quick, "the command's processes to die");
        File.WriteAllText(gate, "");
        Assert.False(File.Exists(marker), "the command finished although its connection was killed");
    }

    private static string WaitFor(string gate) => $"while [ ! -e '{gate}' ]; do sleep 0.05; done";

    private (string Gate, string Marker) Files()
    {
        var name = Guid.NewGuid().ToString("N");
        return (Path.Combine(host.Sshd.TempDir, $"gate-{name}"), Path.Combine(host.Sshd.TempDir, $"marker-{name}"));
    }

    private static async Task KillAsync(SshdConnectionProcess connection)
    {
        Assert.True(SshdFixture.Signal(connection.Pid, PosixSignals.SIGKILL));
        await Poll.UntilAsync(() => !ProcFs.IsAlive(connection.Pid, connection.StartTime), Quick, "the killed sshd to be gone");
    }

    /// <summary>
    /// Earlier tests' connections may take a moment to close; the test must find only its own.
    /// Brokered, the daemon keeps its connection open for the next CLI: the test's CLI shares
    /// that one, which is then the connection killed.
    /// </summary>
    private Task NoConnectionsAsync() =>
        Poll.UntilAsync(() => host.Sshd.SessionProcesses().Count <= (host.IsBrokered ? 1 : 0), Quick, "earlier connections to close");
}
