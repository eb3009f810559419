using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SessionKeeper.Ssh.HostKeys;

/// <summary>Key type names and the minimal structure of SSH wire-format public key blobs.</summary>
internal static class SshKeyTypes
{
    private const string EcdsaPrefix = "ecdsa-sha2-";

    /// <summary>
    /// Maps signature algorithm names that share a key format onto the key type stored in blobs
    /// (<c>rsa-sha2-512</c> is an <c>ssh-rsa</c> key), as OpenSSH's <c>sshkey_type_from_name()</c> does.
    /// </summary>
    public static string Canonicalize(string keyType) => keyType switch
    {
        "rsa-sha2-256" or "rsa-sha2-512" => "ssh-rsa",
        "rsa-sha2-256-cert-v01@openssh.com" or "rsa-sha2-512-cert-v01@openssh.com" => "ssh-rsa-cert-v01@openssh.com",
        _ => keyType,
    };

    /// <summary>
    /// Reads the key type string that starts every public key blob and checks the structure of the
    /// plain key types OpenSSH knows (field count, ECDSA curve name, Ed25519 key length). Other
    /// types, certificates included, only need some data after the type name.
    /// </summary>
    public static bool TryReadBlobType(ReadOnlySpan<byte> blob, [NotNullWhen(true)] out string? keyType)
    {
        keyType = null;
        if (!TryReadString(ref blob, out var typeBytes) || typeBytes.IsEmpty || !IsPrintableAscii(typeBytes))
        {
            return false;
        }

        var type = Encoding.ASCII.GetString(typeBytes);
        var valid = type switch
        {
            "ssh-ed25519" => TryReadString(ref blob, out var key) && key.Length == 32 && blob.IsEmpty,
            "ssh-rsa" => HasFields(blob, 2),
            "ssh-dss" => HasFields(blob, 4),
            "ecdsa-sha2-nistp256" or "ecdsa-sha2-nistp384" or "ecdsa-sha2-nistp521" =>
                HasCurve(ref blob, type[EcdsaPrefix.Length..]) && HasFields(blob, 1),
            "sk-ssh-ed25519@openssh.com" => TryReadString(ref blob, out var key) && key.Length == 32 && HasFields(blob, 1),
            "sk-ecdsa-sha2-nistp256@openssh.com" => HasCurve(ref blob, "nistp256") && HasFields(blob, 2),
            _ => !blob.IsEmpty,
        };
        if (!valid)
        {
            return false;
        }

        keyType = type;
        return true;
    }

    /// <summary>Whether <paramref name="name"/> can be a key type token on a known_hosts line.</summary>
    public static bool IsPlausibleName(string name) =>
        name.Length is > 1 and < 128 && name.All(c => c is > ' ' and < (char)0x7f);

    private static bool TryReadString(ref ReadOnlySpan<byte> data, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (data.Length < 4)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (length > (uint)(data.Length - 4))
        {
            return false;
        }

        value = data.Slice(4, (int)length);
        data = data[(4 + (int)length)..];
        return true;
    }

    private static bool HasCurve(ref ReadOnlySpan<byte> data, string curve) =>
        TryReadString(ref data, out var name) && name.SequenceEqual(Encoding.ASCII.GetBytes(curve));

    private static bool HasFields(ReadOnlySpan<byte> data, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (!TryReadString(ref data, out var field) || field.IsEmpty)
            {
                return false;
            }
        }

        return data.IsEmpty;
    }

    private static bool IsPrintableAscii(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is <= 0x20 or >= 0x7f)
            {
                return false;
            }
        }

        return true;
    }
}
