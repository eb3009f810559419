using System.Security.Cryptography;
using Renci.SshNet.Common;
using Renci.SshNet.Security;
using Renci.SshNet.Security.Cryptography;

namespace SessionKeeper.Ssh.Agent;

/// <summary>
/// Checks a signature against an agent key's public half with SSH.NET's own verifiers. SSH.NET
/// never verifies a client key's signature; this completes <see cref="AgentHostAlgorithm"/> and
/// lets callers check what an agent produced.
/// </summary>
internal static class AgentSignatureVerifier
{
    public static bool Verify(AgentIdentity identity, AgentKeyAlgorithm algorithm, byte[] data, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(signature);
        try
        {
            if (AgentWireReader.ReadName(signature) != algorithm.SignatureAlgorithm)
            {
                return false;
            }

            // For a certificate the signature is made by the certified key inside it; the CA's
            // signature on the certificate is the server's business.
            var key = identity.IsCertificate
                ? new Certificate(identity.PublicKeyBlob).Key
                : PublicKey(new SshKeyData(identity.PublicKeyBlob));
            try
            {
                return VerifyWith(key, algorithm, data, signature);
            }
            finally
            {
                (key as IDisposable)?.Dispose();
            }
        }
        catch (Exception ex) when (ex is SshAgentException or SshException or ArgumentException or InvalidOperationException or CryptographicException or IndexOutOfRangeException or EndOfStreamException or NotSupportedException)
        {
            return false; // a malformed signature or key blob verifies nothing
        }
    }

    private static bool VerifyWith(Key key, AgentKeyAlgorithm algorithm, byte[] data, byte[] signature)
    {
        if (key is not RsaKey rsa)
        {
            return new KeyHostAlgorithm(algorithm.SignatureAlgorithm, key).VerifySignature(data, signature);
        }

        var hash = algorithm.Flags.HasFlag(AgentSignatureFlags.RsaSha512) ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;
        using var rsaSignature = new RsaDigitalSignature(rsa, hash);
        return new KeyHostAlgorithm(algorithm.SignatureAlgorithm, rsa, rsaSignature).VerifySignature(data, signature);
    }

    private static Key PublicKey(SshKeyData keyData) => keyData.Name switch
    {
        "ssh-rsa" => new RsaKey(keyData),
        "ssh-ed25519" => new ED25519Key(keyData),
        "ecdsa-sha2-nistp256" or "ecdsa-sha2-nistp384" or "ecdsa-sha2-nistp521" => new EcdsaKey(keyData),
        _ => throw new NotSupportedException($"no verifier for {keyData.Name} keys."),
    };
}
