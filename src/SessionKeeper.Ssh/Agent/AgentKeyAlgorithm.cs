namespace SessionKeeper.Ssh.Agent;

/// <summary>
/// One public key algorithm an agent key can authenticate with: the name offered in
/// SSH_MSG_USERAUTH_REQUEST, the signature algorithm the agent must answer with, and the sign
/// request flags that select it.
/// </summary>
internal sealed record AgentKeyAlgorithm(string Name, string SignatureAlgorithm, AgentSignatureFlags Flags)
{
    private const string Cert = AgentKeyBlob.CertificateSuffix;

    /// <summary>
    /// The algorithms to offer for an agent key type, most preferred first; empty when the type
    /// is not supported. RSA offers only the SHA-2 algorithms (RFC 8332): SHA-1 <c>ssh-rsa</c> is
    /// refused by OpenSSH 8.8 and later, and each refusal costs one of the server's MaxAuthTries.
    /// </summary>
    public static IReadOnlyList<AgentKeyAlgorithm> For(string keyType) => keyType switch
    {
        "ssh-ed25519" or "ecdsa-sha2-nistp256" or "ecdsa-sha2-nistp384" or "ecdsa-sha2-nistp521" =>
            [new(keyType, keyType, AgentSignatureFlags.None)],
        "ssh-rsa" =>
        [
            new("rsa-sha2-512", "rsa-sha2-512", AgentSignatureFlags.RsaSha512),
            new("rsa-sha2-256", "rsa-sha2-256", AgentSignatureFlags.RsaSha256),
        ],

        // A certificate is offered under its own name, and signed by the certified key.
        "ssh-ed25519" + Cert or "ecdsa-sha2-nistp256" + Cert or "ecdsa-sha2-nistp384" + Cert or "ecdsa-sha2-nistp521" + Cert =>
            [new(keyType, keyType[..^Cert.Length], AgentSignatureFlags.None)],
        "ssh-rsa" + Cert =>
        [
            new("rsa-sha2-512" + Cert, "rsa-sha2-512", AgentSignatureFlags.RsaSha512),
            new("rsa-sha2-256" + Cert, "rsa-sha2-256", AgentSignatureFlags.RsaSha256),
        ],

        // ssh-dss (refused by OpenSSH since 7.0) and FIDO keys (sk-*: a touch per signature,
        // untested) are left out.
        _ => [],
    };
}
