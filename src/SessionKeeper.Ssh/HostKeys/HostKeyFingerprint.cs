using System.Security.Cryptography;

namespace SessionKeeper.Ssh.HostKeys;

/// <summary>Key fingerprints in the form OpenSSH prints them.</summary>
internal static class HostKeyFingerprint
{
    /// <summary>
    /// <c>SHA256:</c> followed by the unpadded base64 of the SHA-256 of the wire-format key blob,
    /// exactly as <c>ssh-keygen -l</c> prints it.
    /// </summary>
    public static string Sha256(byte[] keyBlob)
    {
        ArgumentNullException.ThrowIfNull(keyBlob);
        var digest = SHA256.HashData(keyBlob);
        return "SHA256:" + Convert.ToBase64String(digest).TrimEnd('=');
    }
}
