using System.Text;

namespace SessionKeeper.Ssh.Agent;

/// <summary>The parts of OpenSSH certificate blobs (PROTOCOL.certkeys) that identify the certified key.</summary>
internal static class AgentKeyBlob
{
    public const string CertificateSuffix = "-cert-v01@openssh.com";

    /// <summary>
    /// The plain public key blob inside a certificate (type without the suffix, then the key
    /// fields that follow the nonce), or <paramref name="blob"/> itself when it is no certificate
    /// of a known type or is malformed.
    /// </summary>
    public static byte[] CertifiedKey(byte[] blob, string keyType)
    {
        if (!keyType.EndsWith(CertificateSuffix, StringComparison.Ordinal))
        {
            return blob;
        }

        var plainType = keyType[..^CertificateSuffix.Length];
        var keyFields = plainType switch
        {
            "ssh-ed25519" => 1, // string pk
            "ssh-rsa" => 2, // mpint e, mpint n
            "ecdsa-sha2-nistp256" or "ecdsa-sha2-nistp384" or "ecdsa-sha2-nistp521" => 2, // string curve, string Q
            _ => 0,
        };
        if (keyFields == 0)
        {
            return blob;
        }

        try
        {
            var reader = new AgentWireReader(blob);
            _ = reader.ReadName();
            _ = reader.ReadString(); // nonce
            var plain = new AgentWireWriter().WriteString(Encoding.ASCII.GetBytes(plainType));
            for (var i = 0; i < keyFields; i++)
            {
                plain.WriteString(reader.ReadString());
            }

            return plain.ToArray();
        }
        catch (SshAgentException)
        {
            return blob;
        }
    }
}
