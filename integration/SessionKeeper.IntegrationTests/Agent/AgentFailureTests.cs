using Renci.SshNet.Common;
using SessionKeeper.Ssh.Agent;

namespace SessionKeeper.IntegrationTests.Agent;

/// <summary>How agent authentication fails against a real sshd: promptly, with an exception that says why.</summary>
public sealed class AgentFailureTests(AgentKeyRing ring) : IClassFixture<AgentKeyRing>
{
    [Fact(Timeout = 60000)]
    public async Task An_agent_that_dies_before_signing_fails_the_connect_with_ConnectionLost()
    {
        await using var doomed = await SshAgentProcess.StartAsync(ring.NewSubdirectory("doomed"));
        await doomed.AddAsync(ring.Ed25519.PrivateKeyPath);
        await using var sshd = await AgentSshd.StartAsync(ring.NewSubdirectory("sshd"), ring.HostKeyPath, $"AuthorizedKeysFile {ring.Ed25519.PublicKeyPath}");
        using var agent = doomed.Connect();
        var sources = AgentKeySources.Create(agent);
        Assert.Equal(2, sources.Count); // the key and its certificate

        await doomed.KillAsync();

        var failure = await Assert.ThrowsAsync<SshAgentException>(() => AgentSshLogin.RunAsync(sshd, ring, sources));
        Assert.Equal(AgentFailureKind.ConnectionLost, failure.Kind);
    }

    [Fact(Timeout = 60000)]
    public async Task A_key_the_server_does_not_know_fails_with_SshAuthenticationException()
    {
        var directory = ring.NewSubdirectory("unknown");
        var strangerPath = Path.Combine(directory, "id_stranger");
        await AgentKeyGen.GenerateAsync(strangerPath, "ed25519");
        await using var sshd = await AgentSshd.StartAsync(Path.Combine(directory, "sshd"), ring.HostKeyPath, $"AuthorizedKeysFile {strangerPath}.pub");
        using var agent = ring.Agent.Connect();
        var sources = AgentKeySources.Create(agent, agent.ListIdentities().Where(i => i.KeyType == "ecdsa-sha2-nistp256"));

        await Assert.ThrowsAsync<SshAuthenticationException>(() => AgentSshLogin.RunAsync(sshd, ring, sources));

        var log = await sshd.WaitForLogAsync("ecdsa-sha2-nistp256");
        Assert.DoesNotContain("Accepted publickey", log, StringComparison.Ordinal);
    }
}
