using System.Security.Cryptography;

namespace SessionKeeper.Ssh.Agent;

/// <summary>
/// One key the agent holds, as SSH_AGENT_IDENTITIES_ANSWER lists it: the public key blob in SSH
/// wire format (for a certificate, the whole certificate), the comment, and the blob's key type
/// (<c>ssh-ed25519</c>, <c>ssh-rsa</c>, <c>ssh-ed25519-cert-v01@openssh.com</c>...).
/// </summary>
internal sealed record AgentIdentity(byte[] PublicKeyBlob, string Comment, string KeyType)
{
    /// <summary>
    /// The fingerprint as <c>ssh-add -l</c> and <c>ssh-keygen -l</c> print it: <c>SHA256:</c> and
    /// unpadded base64. For a certificate, like OpenSSH, that of the certified key.
    /// </summary>
    public string Fingerprint =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(AgentKeyBlob.CertifiedKey(PublicKeyBlob, KeyType))).TrimEnd('=');

    /// <summary>True for OpenSSH certificates (<c>*-cert-v01@openssh.com</c>).</summary>
    public bool IsCertificate => KeyType.EndsWith(AgentKeyBlob.CertificateSuffix, StringComparison.Ordinal);

    /// <summary>Never prints key material: type, fingerprint and comment, like <c>ssh-add -l</c>.</summary>
    public override string ToString() => $"{KeyType} {Fingerprint} {Comment}";
}
