using System.Diagnostics.CodeAnalysis;

namespace SessionKeeper.Ssh.Agent;

/// <summary>The flags of SSH_AGENTC_SIGN_REQUEST (draft-miller-ssh-agent, section 4.5.1).</summary>
[Flags]
[SuppressMessage("Naming", "CA1711", Justification = "A bit set of the protocol's sign-request flags; the name says so.")]
internal enum AgentSignatureFlags : uint
{
    /// <summary>The key's only signature algorithm; for an RSA key that is SHA-1 <c>ssh-rsa</c>.</summary>
    None = 0,

    /// <summary>SSH_AGENT_RSA_SHA2_256: sign with <c>rsa-sha2-256</c>.</summary>
    RsaSha256 = 0x02,

    /// <summary>SSH_AGENT_RSA_SHA2_512: sign with <c>rsa-sha2-512</c>.</summary>
    RsaSha512 = 0x04,
}
