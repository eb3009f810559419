namespace SessionKeeper.IntegrationTests.Agent;

/// <summary>
/// Class fixture: throwaway keys of every supported type (Ed25519, ECDSA nistp256/384/521,
/// RSA 3072), each with a user certificate from a throwaway CA, all loaded with ssh-add into one
/// real ssh-agent; plus an sshd host key. Everything lives in one temp dir, removed at the end.
/// </summary>
public sealed class AgentKeyRing : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("sk-agent-").FullName;

    /// <summary>The local user, who logs in to the test sshd and is the certificates' principal.</summary>
    public string UserName { get; } = Environment.UserName;

    public AgentTestKey Ed25519 => new("ssh-ed25519", Path.Combine(Directory, "id_ed25519"));

    public AgentTestKey Ecdsa256 => new("ecdsa-sha2-nistp256", Path.Combine(Directory, "id_ecdsa256"));

    public AgentTestKey Ecdsa384 => new("ecdsa-sha2-nistp384", Path.Combine(Directory, "id_ecdsa384"));

    public AgentTestKey Ecdsa521 => new("ecdsa-sha2-nistp521", Path.Combine(Directory, "id_ecdsa521"));

    public AgentTestKey Rsa => new("ssh-rsa", Path.Combine(Directory, "id_rsa"));

    /// <summary>In the order they were added to the agent.</summary>
    public IReadOnlyList<AgentTestKey> Keys => [Ed25519, Ecdsa256, Ecdsa384, Ecdsa521, Rsa];

    public string CaPrivateKeyPath => Path.Combine(Directory, "user_ca");

    public string CaPublicKeyPath => CaPrivateKeyPath + ".pub";

    public string HostKeyPath => Path.Combine(Directory, "host_ed25519");

    /// <summary>The host key's fingerprint from ssh-keygen -l: <c>SHA256:...</c>.</summary>
    public string HostKeyFingerprint { get; private set; } = "";

    internal SshAgentProcess Agent { get; private set; } = null!;

    public AgentTestKey Key(string keyType) => Keys.Single(key => key.KeyType == keyType);

    public async Task InitializeAsync()
    {
        await Task.WhenAll(
            AgentKeyGen.GenerateAsync(HostKeyPath, "ed25519"),
            AgentKeyGen.GenerateAsync(CaPrivateKeyPath, "ed25519"),
            AgentKeyGen.GenerateAsync(Ed25519.PrivateKeyPath, "ed25519"),
            AgentKeyGen.GenerateAsync(Ecdsa256.PrivateKeyPath, "ecdsa", 256),
            AgentKeyGen.GenerateAsync(Ecdsa384.PrivateKeyPath, "ecdsa", 384),
            AgentKeyGen.GenerateAsync(Ecdsa521.PrivateKeyPath, "ecdsa", 521),
            AgentKeyGen.GenerateAsync(Rsa.PrivateKeyPath, "rsa", 3072));
        await Task.WhenAll(Keys.Select(key => AgentKeyGen.CertifyAsync(CaPrivateKeyPath, key, UserName)));
        HostKeyFingerprint = await AgentKeyGen.FingerprintAsync(HostKeyPath + ".pub");
        Agent = await SshAgentProcess.StartAsync(Directory);
        foreach (var key in Keys)
        {
            await Agent.AddAsync(key.PrivateKeyPath); // the key, then its certificate
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (Agent is not null)
            {
                await Agent.DisposeAsync();
            }
        }
        finally
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>A fresh directory for one test's sshd or agent, inside <see cref="Directory"/>.</summary>
    public string NewSubdirectory(string prefix) =>
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, prefix + "-" + Guid.NewGuid().ToString("N")[..8])).FullName;
}
