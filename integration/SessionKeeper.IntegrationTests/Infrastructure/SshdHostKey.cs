using System.Security.Cryptography;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>One throwaway host key of the fixture's sshd.</summary>
/// <param name="Algorithm">Key type as in the .pub file, e.g. ssh-ed25519 or ssh-rsa.</param>
/// <param name="Blob">The SSH wire-format public key (base64-decoded second field of the .pub file).</param>
public sealed record SshdHostKey(string Algorithm, string PrivateKeyPath, string PublicKeyPath, byte[] Blob)
{
    /// <summary>SHA-256 fingerprint as SSH.NET reports it: base64, unpadded, no "SHA256:" prefix.</summary>
    public string Sha256Fingerprint => Convert.ToBase64String(SHA256.HashData(Blob)).TrimEnd('=');

    /// <summary>A known_hosts line, e.g. "[127.0.0.1]:2222 ssh-ed25519 AAAA...".</summary>
    public string KnownHostsLine(string hostPattern) => $"{hostPattern} {Algorithm} {Convert.ToBase64String(Blob)}";

    public static SshdHostKey Load(string privateKeyPath)
    {
        var publicKeyPath = privateKeyPath + ".pub";
        var fields = File.ReadAllText(publicKeyPath).Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2)
        {
            throw new InvalidDataException($"Malformed public key file {publicKeyPath}.");
        }

        return new SshdHostKey(fields[0], privateKeyPath, publicKeyPath, Convert.FromBase64String(fields[1]));
    }
}
