using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.InfrastructureTests;

public sealed class FaultProxySshTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30); // generous: a bound, not a measurement

    [Fact(Timeout = 60000)]
    public async Task Pass_mode_forwards_an_ssh_session()
    {
        await using var sshd = await SshdFixture.StartAsync();
        await using var proxy = FaultProxy.Start(sshd.Port);

        var result = await sshd.RunOpenSshAsync("echo hi", new OpenSshOptions { Port = proxy.Port }, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hi\n", result.StdoutText);
        Assert.Equal(1, proxy.TotalConnections);
        await Poll.UntilAsync(() => proxy.ActiveConnections == 0, Quick, "the proxied connection to close");
    }

    [Fact(Timeout = 60000)]
    public async Task ResetAll_makes_a_running_ssh_exit_with_255()
    {
        await using var sshd = await SshdFixture.StartAsync();
        await using var proxy = FaultProxy.Start(sshd.Port);
        await using var ssh = sshd.StartOpenSsh("echo started; exec sleep 30", new OpenSshOptions { Port = proxy.Port });
        await ssh.WaitForStdoutAsync("started", Quick);

        Assert.Equal(1, proxy.ResetAll());

        var result = await ssh.WaitForResultAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(255, result.ExitCode);
    }

    [Fact(Timeout = 60000)]
    public async Task BlackHole_hangs_a_session_and_Resume_delivers_what_was_held()
    {
        await using var sshd = await SshdFixture.StartAsync();
        await using var proxy = FaultProxy.Start(sshd.Port);
        var options = new OpenSshOptions { Port = proxy.Port };
        var gate = Path.Combine(sshd.TempDir, "blackhole.gate");
        var written = Path.Combine(sshd.TempDir, "blackhole.written");
        await using var ssh = sshd.StartOpenSsh($"echo started; while [ ! -e '{gate}' ]; do sleep 0.05; done; echo after; : >'{written}'", options);
        await ssh.WaitForStdoutAsync("started", Quick);

        proxy.BlackHole();
        await File.WriteAllTextAsync(gate, "");
        await Poll.UntilAsync(() => File.Exists(written), Quick, "the session to write \"after\" into the black hole");
        var probe = await sshd.RunOpenSshAsync(
            "echo hi", options with { ExtraOptions = ["ConnectTimeout=2"] }, CancellationToken.None);

        // The probe could not even get the banner within its 2 s deadline, and the first
        // session's "after", written before the probe started, is held in the proxy.
        Assert.Equal(255, probe.ExitCode);
        Assert.Contains("timed out", probe.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.False(ssh.HasExited);
        Assert.DoesNotContain("after", ssh.StdoutText, StringComparison.Ordinal);

        proxy.Resume();
        var result = await ssh.WaitForResultAsync(Quick);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("started\nafter\n", result.StdoutText);
    }

    [Fact(Timeout = 60000)]
    public async Task Refuse_resets_new_connections_but_spares_existing_ones()
    {
        await using var sshd = await SshdFixture.StartAsync();
        await using var proxy = FaultProxy.Start(sshd.Port);
        var options = new OpenSshOptions { Port = proxy.Port };
        var gate = Path.Combine(sshd.TempDir, "refuse.gate");
        await using var existing = sshd.StartOpenSsh($"echo started; while [ ! -e '{gate}' ]; do sleep 0.05; done; echo done", options);
        await existing.WaitForStdoutAsync("started", Quick);

        proxy.Refuse();
        var refused = await sshd.RunOpenSshAsync("echo hi", options, CancellationToken.None);
        Assert.False(existing.HasExited, "the existing session ended when new connections were refused");
        await File.WriteAllTextAsync(gate, "");

        Assert.Equal(255, refused.ExitCode);
        Assert.Equal(1, proxy.RefusedConnections);
        Assert.Equal(1, proxy.TotalConnections);
        var result = await existing.WaitForResultAsync(Quick);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("started\ndone\n", result.StdoutText);
    }
}
