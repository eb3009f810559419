using Renci.SshNet.Security;

namespace SessionKeeper.Ssh.Agent;

/// <summary>
/// An SSH.NET <see cref="HostAlgorithm"/> whose private key stays in the agent. SSH.NET's
/// publickey authentication uses only <see cref="HostAlgorithm.Name"/> (the algorithm offered),
/// <see cref="Data"/> (the public key or certificate blob, sent as is) and <see cref="Sign"/>
/// (the signature blob, sent as is), so the agent's blob and signature pass straight through;
/// this is what lets certificates work too.
/// </summary>
internal sealed class AgentHostAlgorithm(SshAgentClient agent, AgentIdentity identity, AgentKeyAlgorithm algorithm)
    : HostAlgorithm(algorithm.Name)
{
    public override byte[] Data => identity.PublicKeyBlob;

    public override byte[] Sign(byte[] data)
    {
        var signature = agent.Sign(identity, data, algorithm.Flags);
        var signedWith = AgentWireReader.ReadName(signature);
        if (signedWith != algorithm.SignatureAlgorithm)
        {
            // An agent older than OpenSSH 7.2 ignores the RSA SHA-2 flags and signs with SHA-1:
            // sending that would only burn one of the server's MaxAuthTries.
            throw new SshAgentException(
                AgentFailureKind.ProtocolViolation,
                $"the ssh-agent at {agent.SocketPath} signed with {signedWith} where {algorithm.SignatureAlgorithm} was asked for ({identity.KeyType} {identity.Fingerprint}).");
        }

        return signature;
    }

    public override bool VerifySignature(byte[] data, byte[] signature) =>
        AgentSignatureVerifier.Verify(identity, algorithm, data, signature);
}
