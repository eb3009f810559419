using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.InfrastructureTests;

public sealed class SshdConnectionKillTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(10);

    [Fact(Timeout = 60000)]
    public async Task Sigkill_of_the_session_process_cuts_the_connection()
    {
        await using var sshd = await SshdFixture.StartAsync();
        var user = SshdFixture.IsRoot ? await sshd.EnsureUserWithShellAsync("/bin/dash") : sshd.UserName;
        await using var ssh = sshd.StartOpenSsh("echo started; exec sleep 30", new OpenSshOptions { User = user });
        await ssh.WaitForStdoutAsync("started", Quick);
        var session = await sshd.WaitForSessionProcessAsync(user);
        Assert.Contains(sshd.ConnectionProcesses(), p => p.Kind == SshdProcessKind.Monitor && p.UserName == user);

        Assert.True(SshdFixture.Signal(session.Pid, PosixSignals.SIGKILL));

        var result = await ssh.WaitForResultAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(255, result.ExitCode);
        Assert.Contains("closed by remote host", result.Stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Sigstop_of_the_session_process_black_holes_the_connection()
    {
        await using var sshd = await SshdFixture.StartAsync();
        var options = new OpenSshOptions { ExtraOptions = ["ServerAliveInterval=1", "ServerAliveCountMax=2"] };
        await using var ssh = sshd.StartOpenSsh("echo started; exec sleep 30", options);
        await ssh.WaitForStdoutAsync("started", Quick);
        var session = await sshd.WaitForSessionProcessAsync();

        Assert.True(SshdFixture.Signal(session.Pid, PosixSignals.SIGSTOP));

        // No FIN, no RST: only the client's own keepalive notices that nothing answers.
        var result = await ssh.WaitForResultAsync(Quick);
        Assert.Equal(255, result.ExitCode);
        Assert.Contains("Timeout, server", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(sshd.ConnectionProcesses(), p => p.Pid == session.Pid && p.IsStopped);
    }
}
