using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.InfrastructureTests;

public sealed class SshdFixtureTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30); // generous: a bound, not a measurement

    [Fact(Timeout = 60000)]
    public async Task System_ssh_runs_a_command_with_the_generated_known_hosts()
    {
        await using var sshd = await SshdFixture.StartAsync();

        var result = await sshd.RunOpenSshAsync("echo hi; echo \"$XDG_STATE_HOME\"", tty: false, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"hi\n{sshd.RemoteStateDir}\n", result.StdoutText);
        Assert.Equal(2, sshd.HostKeys.Count);
        Assert.Contains($"[127.0.0.1]:{sshd.Port} ssh-ed25519 ", File.ReadAllText(sshd.KnownHostsPath), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Replaced_host_key_is_refused_by_the_old_known_hosts()
    {
        await using var sshd = await SshdFixture.StartAsync();
        var oldBlob = sshd.HostKeyPublicBlobs[0];

        await sshd.ReplaceHostKeyAsync();

        Assert.NotEqual(oldBlob, sshd.HostKeyPublicBlobs[0]);
        var refused = await sshd.RunOpenSshAsync("echo hi", tty: false, CancellationToken.None);
        Assert.Equal(255, refused.ExitCode);
        Assert.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", refused.Stderr, StringComparison.Ordinal);
        var fresh = new OpenSshOptions { KnownHostsPath = sshd.CreateKnownHostsFile() };
        Assert.Equal("hi\n", (await sshd.RunOpenSshAsync("echo hi", fresh, CancellationToken.None)).StdoutText);
    }

    [Fact(Timeout = 60000)]
    public async Task Restart_keeps_established_sessions_and_the_port()
    {
        await using var sshd = await SshdFixture.StartAsync();
        var gate = Path.Combine(sshd.TempDir, "restart.gate");
        await using var running = sshd.StartOpenSsh($"echo started; while [ ! -e '{gate}' ]; do sleep 0.05; done; echo done");
        await running.WaitForStdoutAsync("started", Quick);
        var port = sshd.Port;

        await sshd.RestartAsync();
        Assert.False(running.HasExited, "the session ended with the restart");
        await File.WriteAllTextAsync(gate, "");

        Assert.Equal(port, sshd.Port);
        Assert.Equal("hi\n", (await sshd.RunOpenSshAsync("echo hi", tty: false, CancellationToken.None)).StdoutText);
        var result = await running.WaitForResultAsync(Quick);
        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith("done\n", result.StdoutText, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Restart_with_drop_cuts_established_sessions()
    {
        await using var sshd = await SshdFixture.StartAsync();
        await using var running = sshd.StartOpenSsh("echo started; exec sleep 30");
        await running.WaitForStdoutAsync("started", Quick);

        await sshd.RestartAsync(dropConnections: true);

        Assert.Equal(255, (await running.WaitForResultAsync(Quick)).ExitCode);
        Assert.Empty(sshd.SessionProcesses());
    }

    [Fact(Timeout = 60000)]
    public async Task Tty_session_runs_to_completion_with_stdin_closed()
    {
        await using var sshd = await SshdFixture.StartAsync();

        var result = await sshd.RunOpenSshAsync("sleep 1; tty; echo done", tty: true, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        // A line of its own: the login shell's profile may print before the command runs (a
        // developer's root here runs pyenv, which says so when another login holds its lock).
        Assert.Matches(@"(^|\n)/dev/pts/[0-9]+\r\n", result.StdoutText);
        Assert.EndsWith("done\r\n", result.StdoutText, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Extra_config_overrides_defaults_and_sshd_accepts_it()
    {
        var options = new SshdOptions { ExtraConfig = "MaxSessions 3\nClientAliveInterval 5\nMatch User nobody\n  MaxSessions 1" };
        await using var sshd = await SshdFixture.StartAsync(options);

        var config = File.ReadAllLines(sshd.ConfigPath);

        Assert.DoesNotContain("MaxSessions 20", config);
        Assert.Contains("MaxSessions 3", config);
        Assert.Equal("hi\n", (await sshd.RunOpenSshAsync("echo hi", tty: false, CancellationToken.None)).StdoutText);
    }

    [Fact(Timeout = 60000)]
    public async Task Dispose_kills_detached_jobs_and_removes_the_temp_dir()
    {
        var sshd = await SshdFixture.StartAsync();
        var result = await sshd.RunOpenSshAsync(
            "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!", tty: false, CancellationToken.None);
        var jobPid = int.Parse(result.StdoutText.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var job = ProcFs.TryReadStat(jobPid) ?? throw new InvalidOperationException("job not found");
        var listenerPid = sshd.Pid;

        await sshd.DisposeAsync();

        await Poll.UntilAsync(() => !ProcFs.IsAlive(jobPid, job.StartTime), Quick, "the detached job to die");
        Assert.False(ProcFs.TryReadStat(listenerPid) is { IsZombie: false });
        Assert.False(Directory.Exists(sshd.TempDir));
    }
}
