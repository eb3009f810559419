using SessionKeeper.Ssh.Agent;

namespace SessionKeeper.Ssh.Auth;

/// <summary>One entry of the order in which keys are offered (see <see cref="AuthenticationPlan"/>).</summary>
internal abstract record PlannedKey
{
    /// <summary>A key (or certificate) the agent holds, signed by the agent.</summary>
    public sealed record AgentKey(AgentIdentity Identity) : PlannedKey
    {
        public override string ToString() => $"agent key {Identity}";
    }

    /// <summary>A private key file, signed locally (after its passphrase, if any).</summary>
    public sealed record FileKey(KeyFile File) : PlannedKey
    {
        public override string ToString() => $"key file {File.Path}";
    }

    /// <summary>A certificate file whose private key is in a key file.</summary>
    public sealed record CertificateWithFileKey(CertificateFile Certificate, KeyFile File) : PlannedKey
    {
        public override string ToString() => $"certificate {Certificate.Path} (key {File.Path})";
    }

    /// <summary>A certificate file whose private key is held by the agent.</summary>
    public sealed record CertificateWithAgentKey(CertificateFile Certificate, AgentIdentity Identity) : PlannedKey
    {
        public override string ToString() => $"certificate {Certificate.Path} (agent key {Identity.Fingerprint})";
    }
}
