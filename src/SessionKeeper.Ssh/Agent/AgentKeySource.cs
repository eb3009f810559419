using Renci.SshNet;
using Renci.SshNet.Security;

namespace SessionKeeper.Ssh.Agent;

/// <summary>
/// One agent key as an SSH.NET <see cref="IPrivateKeySource"/>: give it to
/// <see cref="PrivateKeyAuthenticationMethod"/> like a <see cref="PrivateKeyFile"/>. Every
/// signature is made by the agent, over the <see cref="SshAgentClient"/> it was created with,
/// which must stay open while SSH.NET authenticates.
/// </summary>
internal sealed class AgentKeySource : IPrivateKeySource
{
    internal AgentKeySource(SshAgentClient agent, AgentIdentity identity, IReadOnlyList<AgentKeyAlgorithm> algorithms)
    {
        Identity = identity;
        HostKeyAlgorithms = [.. algorithms.Select(algorithm => new AgentHostAlgorithm(agent, identity, algorithm))];
    }

    public AgentIdentity Identity { get; }

    /// <summary>The algorithms offered for this key, most preferred first (SSH.NET tries them in order).</summary>
    public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; }

    public override string ToString() => Identity.ToString();
}
