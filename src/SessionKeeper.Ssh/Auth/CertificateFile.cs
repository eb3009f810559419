using SessionKeeper.Ssh.Agent;

namespace SessionKeeper.Ssh.Auth;

/// <summary>An OpenSSH user certificate file (<c>KEY-cert.pub</c> or a CertificateFile).</summary>
/// <param name="Path">The file.</param>
/// <param name="Blob">The certificate blob, sent as is in authentication.</param>
/// <param name="KeyType">The certificate type, e.g. <c>ssh-ed25519-cert-v01@openssh.com</c>.</param>
/// <param name="CertifiedKey">The plain public key blob the certificate certifies; its private key signs.</param>
internal sealed record CertificateFile(string Path, byte[] Blob, string KeyType, byte[] CertifiedKey)
{
    /// <summary>Reads a certificate file; null when it is missing or holds no certificate.</summary>
    public static CertificateFile? Read(string path)
    {
        var blob = KeyFile.ReadPublicKeyFile(path);
        if (blob is null || KeyFile.TryReadName(blob) is not { } type || !type.EndsWith(AgentKeyBlob.CertificateSuffix, StringComparison.Ordinal))
        {
            return null;
        }

        var certified = AgentKeyBlob.CertifiedKey(blob, type);
        return ReferenceEquals(certified, blob) ? null : new CertificateFile(path, blob, type, certified);
    }
}
