using Renci.SshNet.Common;
using SessionKeeper.Ssh.Agent;

namespace SessionKeeper.IntegrationTests.Agent;

/// <summary>
/// OpenSSH user certificates held by a real ssh-agent, against a real sshd that trusts only the
/// CA (TrustedUserCAKeys, no authorized_keys).
/// </summary>
public sealed class AgentCertificateAuthenticationTests(AgentKeyRing ring) : IClassFixture<AgentKeyRing>
{
    [Theory(Timeout = 60000)]
    [InlineData("ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", "ED25519-CERT")]
    [InlineData("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ECDSA-CERT")]
    [InlineData("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521-cert-v01@openssh.com", "ECDSA-CERT")]
    [InlineData("ssh-rsa", "rsa-sha2-512-cert-v01@openssh.com", "RSA-CERT")]
    public async Task A_certificate_in_the_agent_logs_in_where_only_the_CA_is_trusted(string keyType, string expectedAlgorithm, string logKeyType)
    {
        var key = ring.Key(keyType);
        await using var sshd = await StartCaOnlySshdAsync();
        using var agent = ring.Agent.Connect();
        var sources = AgentKeySources.Create(agent, agent.ListIdentities().Where(i => i.KeyType == key.CertificateType));
        Assert.Single(sources);

        Assert.Equal("ok\n", await AgentSshLogin.RunAsync(sshd, ring, sources));

        var log = await sshd.WaitForLogAsync("Accepted publickey");
        Assert.Equal(expectedAlgorithm, AgentSshLogin.AcceptedAlgorithm(log));
        Assert.Contains($"ssh2: {logKeyType} ", log, StringComparison.Ordinal);
        Assert.Contains($"ID {key.CertificateId} ", log, StringComparison.Ordinal);
        Assert.False(AgentSshLogin.ShowsSshRsaAttempt(log), log);
    }

    [Fact(Timeout = 60000)]
    public async Task The_plain_key_alone_is_refused_where_only_the_CA_is_trusted()
    {
        // The certificate, not the key under it, is what gets the Ed25519 login above in.
        await using var sshd = await StartCaOnlySshdAsync();
        using var agent = ring.Agent.Connect();
        var sources = AgentKeySources.Create(agent, agent.ListIdentities().Where(i => i.KeyType == "ssh-ed25519"));

        await Assert.ThrowsAsync<SshAuthenticationException>(() => AgentSshLogin.RunAsync(sshd, ring, sources));
    }

    [Fact(Timeout = 60000)]
    public async Task Key_and_certificate_offered_together_the_certificate_logs_in()
    {
        await using var sshd = await StartCaOnlySshdAsync();
        using var agent = ring.Agent.Connect();
        var sources = AgentKeySources.Create(agent, agent.ListIdentities().Where(i => i.KeyType.StartsWith("ssh-ed25519", StringComparison.Ordinal)));
        Assert.Equal(2, sources.Count);

        Assert.Equal("ok\n", await AgentSshLogin.RunAsync(sshd, ring, sources));

        var log = await sshd.WaitForLogAsync("Accepted publickey");
        Assert.Equal("ssh-ed25519-cert-v01@openssh.com", AgentSshLogin.AcceptedAlgorithm(log));
    }

    private Task<AgentSshd> StartCaOnlySshdAsync() =>
        AgentSshd.StartAsync(ring.NewSubdirectory("sshd-ca"), ring.HostKeyPath, $"AuthorizedKeysFile none\nTrustedUserCAKeys {ring.CaPublicKeyPath}");
}
