using System.Text;
using SessionKeeper.Ssh.Agent;

namespace SessionKeeper.Ssh.Auth;

/// <summary>
/// What can be learnt about a private key file without its passphrase: the public key (from
/// <c>FILE.pub</c>, or from the unencrypted header of an OpenSSH-format key, as ssh's
/// <c>sshkey_load_public()</c> does) and whether the private part is encrypted.
/// </summary>
/// <param name="Path">The private key file.</param>
/// <param name="PublicKey">The public key blob, or null when neither FILE.pub nor the file itself reveals it.</param>
/// <param name="Encrypted">True when loading the private key needs a passphrase.</param>
internal sealed record KeyFile(string Path, byte[]? PublicKey, bool Encrypted)
{
    private const string OpenSshBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
    private const string OpenSshEnd = "-----END OPENSSH PRIVATE KEY-----";
    private static readonly byte[] OpenSshMagic = "openssh-key-v1\0"u8.ToArray();

    /// <summary>The key type of <see cref="PublicKey"/> (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256...), or null.</summary>
    public string? KeyType => PublicKey is null ? null : TryReadName(PublicKey);

    /// <summary>Inspects <paramref name="path"/>; null when it does not exist or cannot be read.</summary>
    public static KeyFile? Inspect(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var (headerKey, encrypted) = ParsePrivate(text);
        return new KeyFile(path, ReadPublicKeyFile(path + ".pub") ?? headerKey, encrypted);
    }

    /// <summary>The key blob of a one-line public key file (<c>type base64 [comment]</c>), or null.</summary>
    public static byte[]? ReadPublicKeyFile(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var fields = File.ReadAllText(path).Trim().Split([' ', '\t'], 3, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                return null;
            }

            var blob = Convert.FromBase64String(fields[1]);
            return TryReadName(blob) == fields[0] ? blob : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The public key in an OpenSSH key's header, and whether the key is encrypted (any format).</summary>
    internal static (byte[]? PublicKey, bool Encrypted) ParsePrivate(string text)
    {
        var begin = text.IndexOf(OpenSshBegin, StringComparison.Ordinal);
        var end = text.IndexOf(OpenSshEnd, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            // PEM (PKCS#1 "Proc-Type: 4,ENCRYPTED", PKCS#8 "ENCRYPTED PRIVATE KEY") or PuTTY ("Encryption: aes256-cbc").
            var encrypted = text.Contains("ENCRYPTED", StringComparison.Ordinal)
                || (text.StartsWith("PuTTY-User-Key-File-", StringComparison.Ordinal) && !text.Contains("Encryption: none", StringComparison.Ordinal));
            return (null, encrypted);
        }

        try
        {
            var body = Convert.FromBase64String(text[(begin + OpenSshBegin.Length)..end]);
            if (!body.AsSpan().StartsWith(OpenSshMagic))
            {
                return (null, false);
            }

            var reader = new AgentWireReader(body.AsSpan(OpenSshMagic.Length));
            var cipher = Encoding.ASCII.GetString(reader.ReadString());
            _ = reader.ReadString(); // kdf name
            _ = reader.ReadString(); // kdf options
            var count = reader.ReadUInt32();
            var publicKey = count >= 1 ? reader.ReadString().ToArray() : null;
            return (publicKey, cipher != "none");
        }
        catch (Exception ex) when (ex is FormatException or SshAgentException)
        {
            return (null, false);
        }
    }

    internal static string? TryReadName(byte[] blob)
    {
        try
        {
            return AgentWireReader.ReadName(blob);
        }
        catch (SshAgentException)
        {
            return null;
        }
    }
}
