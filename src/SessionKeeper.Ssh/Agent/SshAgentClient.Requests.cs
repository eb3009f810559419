namespace SessionKeeper.Ssh.Agent;

internal sealed partial class SshAgentClient
{
    /// <summary>SSH_AGENTC_REQUEST_IDENTITIES: every key the agent holds, in the agent's order.</summary>
    public IReadOnlyList<AgentIdentity> ListIdentities()
    {
        var answer = Exchange(AgentWireWriter.Request(AgentMessageType.RequestIdentities).ToFrame());
        var reader = new AgentWireReader(answer);
        var type = reader.ReadByte();
        if (AgentMessageType.IsFailure(type))
        {
            throw new SshAgentException(AgentFailureKind.Refused, $"the ssh-agent at {SocketPath} refused to list its keys.");
        }

        ExpectType(type, AgentMessageType.IdentitiesAnswer);
        var count = reader.ReadUInt32();
        if (count > (uint)reader.Remaining / 8)
        {
            throw new SshAgentException(AgentFailureKind.ProtocolViolation, $"the ssh-agent at {SocketPath} claims {count} keys in a {answer.Length}-byte answer.");
        }

        var identities = new List<AgentIdentity>((int)count);
        for (var i = 0; i < count; i++)
        {
            var blob = reader.ReadString().ToArray();
            var comment = reader.ReadUtf8();
            identities.Add(new AgentIdentity(blob, comment, AgentWireReader.ReadName(blob)));
        }

        return identities;
    }

    /// <summary>
    /// SSH_AGENTC_SIGN_REQUEST: signs <paramref name="data"/> with the agent's private key for
    /// <paramref name="identity"/>. Returns the signature blob as SSH sends it (string algorithm
    /// name, string signature). For an RSA key, pass <see cref="AgentSignatureFlags.RsaSha256"/> or
    /// <see cref="AgentSignatureFlags.RsaSha512"/>: without them the agent signs with SHA-1.
    /// </summary>
    public byte[] Sign(AgentIdentity identity, byte[] data, AgentSignatureFlags flags)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(data);
        var request = AgentWireWriter.Request(AgentMessageType.SignRequest)
            .WriteString(identity.PublicKeyBlob)
            .WriteString(data)
            .WriteUInt32((uint)flags)
            .ToFrame();
        var answer = Exchange(request);
        var reader = new AgentWireReader(answer);
        var type = reader.ReadByte();
        if (AgentMessageType.IsFailure(type))
        {
            throw new SshAgentException(
                AgentFailureKind.Refused,
                $"the ssh-agent at {SocketPath} refused to sign with {identity.KeyType} {identity.Fingerprint} (key removed, locked, or confirmation declined?).");
        }

        ExpectType(type, AgentMessageType.SignResponse);
        return reader.ReadString().ToArray();
    }

    private void ExpectType(byte actual, byte expected)
    {
        if (actual != expected)
        {
            throw new SshAgentException(AgentFailureKind.ProtocolViolation, $"the ssh-agent at {SocketPath} answered with message {actual} where {expected} was expected.");
        }
    }
}
