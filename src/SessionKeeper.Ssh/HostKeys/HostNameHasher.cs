using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace SessionKeeper.Ssh.HostKeys;

/// <summary>
/// OpenSSH's hashed host names (<c>HashKnownHosts</c>, <c>ssh-keygen -H</c>):
/// <c>|1|base64(salt)|base64(HMAC-SHA1(key: salt, data: name))</c> with a 20-byte salt.
/// </summary>
internal static class HostNameHasher
{
    public const string Magic = "|1|";
    public const char Delimiter = '|';
    public const int SaltLength = 20;
    private const int MaxEncodedSaltLength = 1024;

    /// <summary>Hashes <paramref name="name"/> exactly as given (no case folding).</summary>
    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms",
        Justification = "HMAC-SHA1 is what the OpenSSH hashed known_hosts format is defined as.")]
    public static string Hash(string name, byte[] salt)
    {
        var mac = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name));
        return Magic + Convert.ToBase64String(salt) + Delimiter + Convert.ToBase64String(mac);
    }

    /// <summary>
    /// Extracts the salt of a hashed host field the way OpenSSH's <c>extract_salt()</c> does;
    /// a field ssh cannot use makes the whole line invalid.
    /// </summary>
    public static bool TryExtractSalt(string field, [NotNullWhen(true)] out byte[]? salt, [NotNullWhen(false)] out string? error)
    {
        salt = null;
        if (!field.StartsWith(Magic, StringComparison.Ordinal))
        {
            error = "hashed host entry has an unsupported format (expected |1|salt|hash)";
            return false;
        }

        var end = field.IndexOf(Delimiter, Magic.Length);
        if (end < 0)
        {
            error = "hashed host entry has no hash after the salt";
            return false;
        }

        var encoded = field.AsSpan(Magic.Length, end - Magic.Length);
        if (encoded.IsEmpty || encoded.Length > MaxEncodedSaltLength)
        {
            error = "hashed host entry has a salt of invalid length";
            return false;
        }

        var buffer = new byte[encoded.Length];
        if (!Convert.TryFromBase64Chars(encoded, buffer, out var written) || written != SaltLength)
        {
            error = $"hashed host entry salt is not {SaltLength} base64-encoded bytes";
            return false;
        }

        salt = buffer[..written];
        error = null;
        return true;
    }
}
