using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// A changed or unknown host key is refused, with its fingerprint, before any credential is offered.
/// sshd logs at DEBUG, where every userauth request is logged (the control connection proves it).
/// </summary>
public sealed class HostKeyTests(DebugLogJobsHost host) : IClassFixture<DebugLogJobsHost>
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(10);

    [Fact(Timeout = 60000)]
    public async Task A_changed_host_key_is_refused_before_authentication()
    {
        // Control: with the right key the connection authenticates, and sshd's log says so.
        var logStart = host.Sshd.ReadLog().Length;
        var before = await host.RunAsync("ps", []);
        Assert.True(before.ExitCode == 0, before.ToString());
        await Poll.UntilAsync(() => host.Sshd.ReadLog()[logStart..].Contains("Accepted publickey", StringComparison.Ordinal), Quick, "sshd to log the accepted key");
        Assert.Contains("userauth-request", host.Sshd.ReadLog()[logStart..], StringComparison.Ordinal);

        await host.Sshd.ReplaceHostKeyAsync();
        logStart = host.Sshd.ReadLog().Length;
        var result = await host.RunAsync("ps", []);
        if (host.IsBrokered)
        {
            // By design, as with OpenSSH's ControlMaster: the daemon's connection was verified when
            // it was made, before the key changed, and still goes to that server, so it is reused.
            // The change is refused at the next new connection: another known_hosts file (with the
            // same old key) is another target, for which the daemon must connect anew.
            Assert.True(result.ExitCode == 0, $"the daemon's verified connection is reused: {result}");
            var copy = Path.Combine(host.Sshd.TempDir, $"known_hosts.copy.{Guid.NewGuid():N}");
            File.Copy(host.Sshd.KnownHostsPath, copy);
            logStart = host.Sshd.ReadLog().Length;
            result = await host.Cli.RunAsync(["ps", .. host.ConnectionOptions(copy), host.Destination()]);
        }

        Assert.Equal(254, result.ExitCode);
        var line = CliAssert.SingleErrorLine(result);
        Assert.Contains("HOST KEY CHANGED", line, StringComparison.Ordinal);
        Assert.Contains(host.Sshd.HostKeys, k => line.Contains("SHA256:" + k.Sha256Fingerprint, StringComparison.Ordinal));
        Assert.Empty(result.StdoutText);

        // The connection reached sshd and ended there, without a single authentication attempt.
        var log = await Poll.ObjectAsync(
            () => host.Sshd.ReadLog()[logStart..] is var slice && slice.Contains("Connection from", StringComparison.Ordinal)
                && (slice.Contains("Connection closed", StringComparison.Ordinal) || slice.Contains("Disconnected", StringComparison.Ordinal)
                    || slice.Contains("Connection reset", StringComparison.Ordinal)) ? slice : null,
            Quick,
            "sshd to log the refused connection");
        foreach (var sign in new[] { "Accepted", "Failed publickey", "Postponed", "userauth", "authenticating user", "Invalid user" })
        {
            Assert.DoesNotContain(sign, log, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact(Timeout = 60000)]
    public async Task An_unknown_host_key_is_refused_with_its_fingerprint()
    {
        var empty = Path.Combine(host.Sshd.TempDir, $"known_hosts.empty.{Guid.NewGuid():N}");
        File.WriteAllText(empty, "");

        var result = await host.Cli.RunAsync(["ps", .. host.ConnectionOptions(empty), host.Destination()]);

        Assert.Equal(254, result.ExitCode);
        var line = CliAssert.SingleErrorLine(result);
        Assert.Contains("not known", line, StringComparison.Ordinal);
        Assert.Contains(host.Sshd.HostKeys, k => line.Contains("SHA256:" + k.Sha256Fingerprint, StringComparison.Ordinal));
        Assert.Equal("", File.ReadAllText(empty));
    }
}
