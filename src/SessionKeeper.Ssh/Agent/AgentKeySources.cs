using Renci.SshNet;

namespace SessionKeeper.Ssh.Agent;

/// <summary>Turns the keys an ssh-agent holds into SSH.NET key sources.</summary>
internal static class AgentKeySources
{
    /// <summary>
    /// One <see cref="AgentKeySource"/> per key the agent holds, in the agent's order: Ed25519,
    /// ECDSA (nistp256/384/521), RSA (offering rsa-sha2-512 then rsa-sha2-256, never SHA-1
    /// ssh-rsa) and OpenSSH certificates of those types. Other key types (DSA, FIDO sk-*) are
    /// skipped.
    /// </summary>
    public static IReadOnlyList<IPrivateKeySource> Create(SshAgentClient agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return Create(agent, agent.ListIdentities());
    }

    /// <summary>
    /// Key sources for the given agent identities only, in the given order, unsupported types
    /// skipped: to offer fewer keys than the agent holds (each key refused costs one of the
    /// server's MaxAuthTries, 6 by default in OpenSSH).
    /// </summary>
    public static IReadOnlyList<IPrivateKeySource> Create(SshAgentClient agent, IEnumerable<AgentIdentity> identities)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(identities);
        var sources = new List<IPrivateKeySource>();
        foreach (var identity in identities)
        {
            var algorithms = AgentKeyAlgorithm.For(identity.KeyType);
            if (algorithms.Count > 0)
            {
                sources.Add(new AgentKeySource(agent, identity, algorithms));
            }
        }

        return sources;
    }

    /// <summary>Whether <see cref="Create(SshAgentClient)"/> makes a key source for this key type.</summary>
    public static bool IsSupported(string keyType) => AgentKeyAlgorithm.For(keyType).Count > 0;
}
