using Renci.SshNet;
using SessionKeeper.Ssh.Agent;

namespace SessionKeeper.IntegrationTests.Agent;

/// <summary>SSH.NET logs in to a real sshd with keys that only a real ssh-agent holds.</summary>
public sealed class AgentAuthenticationTests(AgentKeyRing ring) : IClassFixture<AgentKeyRing>
{
    [Theory(Timeout = 60000)]
    [InlineData("ssh-ed25519", "ssh-ed25519")]
    [InlineData("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256")]
    [InlineData("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384")]
    [InlineData("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521")]
    [InlineData("ssh-rsa", "rsa-sha2-512")]
    public async Task An_agent_key_logs_in_with_the_expected_algorithm(string keyType, string expectedAlgorithm)
    {
        var key = ring.Key(keyType);
        await using var sshd = await StartSshdAsync($"AuthorizedKeysFile {key.PublicKeyPath}");
        using var agent = ring.Agent.Connect();
        var sources = AgentKeySources.Create(agent, agent.ListIdentities().Where(i => i.KeyType == keyType));

        var output = await AgentSshLogin.RunAsync(sshd, ring, sources);

        Assert.Equal("ok\n", output);
        var log = await sshd.WaitForLogAsync("Accepted publickey");
        Assert.Equal(expectedAlgorithm, AgentSshLogin.AcceptedAlgorithm(log));
        Assert.All(AgentSshLogin.OfferedAlgorithms(log), offered => Assert.Equal(expectedAlgorithm, offered));
        Assert.False(AgentSshLogin.ShowsSshRsaAttempt(log), log);
        Assert.Contains($"Accepted publickey for {ring.UserName} from 127.0.0.1", log, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Rsa_logs_in_with_rsa_sha2_512_and_never_offers_sha1_ssh_rsa()
    {
        await using var sshd = await StartSshdAsync($"AuthorizedKeysFile {ring.Rsa.PublicKeyPath}");
        using var agent = ring.Agent.Connect();
        var sources = AgentKeySources.Create(agent, agent.ListIdentities().Where(i => i.KeyType == "ssh-rsa"));

        Assert.Equal("ok\n", await AgentSshLogin.RunAsync(sshd, ring, sources));

        var log = await sshd.WaitForLogAsync("authenticated 1 pkalg");
        Assert.Equal("rsa-sha2-512", AgentSshLogin.AcceptedAlgorithm(log));
        Assert.Equal(["rsa-sha2-512", "rsa-sha2-512"], AgentSshLogin.OfferedAlgorithms(log)); // the query, then the signed request
        Assert.False(AgentSshLogin.ShowsSshRsaAttempt(log), log);
    }

    [Fact(Timeout = 60000)]
    public async Task Rsa_falls_back_to_rsa_sha2_256_when_the_server_refuses_512()
    {
        await using var sshd = await StartSshdAsync($"AuthorizedKeysFile {ring.Rsa.PublicKeyPath}\nPubkeyAcceptedAlgorithms rsa-sha2-256");
        using var agent = ring.Agent.Connect();
        var sources = AgentKeySources.Create(agent, agent.ListIdentities().Where(i => i.KeyType == "ssh-rsa"));

        Assert.Equal("ok\n", await AgentSshLogin.RunAsync(sshd, ring, sources));

        var log = await sshd.WaitForLogAsync("authenticated 1 pkalg");
        Assert.Equal("rsa-sha2-256", AgentSshLogin.AcceptedAlgorithm(log));
        Assert.Contains("signature algorithm rsa-sha2-512 not in PubkeyAcceptedAlgorithms", log, StringComparison.Ordinal);
        Assert.False(AgentSshLogin.ShowsSshRsaAttempt(log), log);
    }

    [Fact(Timeout = 60000)]
    public async Task With_every_agent_key_offered_the_authorized_one_logs_in_after_the_others_are_refused()
    {
        // Ten identities: nine refused before RSA. Each refusal costs one of MaxAuthTries (6 by
        // default), so this sshd allows more; with the default it would disconnect first.
        await using var sshd = await StartSshdAsync($"AuthorizedKeysFile {ring.Rsa.PublicKeyPath}\nMaxAuthTries 20");
        using var agent = ring.Agent.Connect();
        var sources = AgentKeySources.Create(agent);
        Assert.Equal(10, sources.Count);

        Assert.Equal("ok\n", await AgentSshLogin.RunAsync(sshd, ring, sources));

        var log = await sshd.WaitForLogAsync("authenticated 1 pkalg");
        Assert.Equal("rsa-sha2-512", AgentSshLogin.AcceptedAlgorithm(log));
        Assert.False(AgentSshLogin.ShowsSshRsaAttempt(log), log);
        Assert.Equal(
            ["ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256-cert-v01@openssh.com"],
            AgentSshLogin.OfferedAlgorithms(log).Take(4));
    }

    [Fact(Timeout = 60000)]
    public async Task Control_SSH_NETs_own_PrivateKeyFile_offers_sha1_ssh_rsa_first_and_the_log_check_sees_it()
    {
        // Proves the ssh-rsa assertions above can fail: SSH.NET 2026.0.0 loading the same RSA key
        // from its file offers ssh-rsa before rsa-sha2-512, and sshd refuses it.
        await using var sshd = await StartSshdAsync($"AuthorizedKeysFile {ring.Rsa.PublicKeyPath}");
        using var keyFile = new PrivateKeyFile(ring.Rsa.PrivateKeyPath);

        Assert.Equal("ok\n", await AgentSshLogin.RunAsync(sshd, ring, [keyFile]));

        var log = await sshd.WaitForLogAsync("authenticated 1 pkalg");
        Assert.True(AgentSshLogin.ShowsSshRsaAttempt(log), log);
        Assert.Equal("ssh-rsa", AgentSshLogin.OfferedAlgorithms(log)[0]);
        Assert.Contains("signature algorithm ssh-rsa not in PubkeyAcceptedAlgorithms", log, StringComparison.Ordinal);
    }

    private Task<AgentSshd> StartSshdAsync(string authenticationConfig) =>
        AgentSshd.StartAsync(ring.NewSubdirectory("sshd"), ring.HostKeyPath, authenticationConfig);
}
