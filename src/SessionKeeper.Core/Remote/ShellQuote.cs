using System.Text;

namespace SessionKeeper.Core.Remote;

/// <summary>
/// POSIX single-quote quoting. Only ever used inside the runner script read by /bin/sh, never for
/// the login shell (fish and tcsh read these quotes differently).
/// </summary>
internal static class ShellQuote
{
    public static string Quote(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a NUL byte cannot be passed to a shell", nameof(value));
        }

        var sb = new StringBuilder(value.Length + 2);
        sb.Append('\'');
        foreach (var c in value)
        {
            if (c == '\'')
            {
                sb.Append("'\\''");
            }
            else
            {
                sb.Append(c);
            }
        }

        sb.Append('\'');
        return sb.ToString();
    }

    /// <summary>The same quoting of bytes that need not be UTF-8: 0x27 is never part of a multibyte sequence.</summary>
    public static byte[] Quote(ReadOnlySpan<byte> value)
    {
        if (value.Contains((byte)0))
        {
            throw new ArgumentException("a NUL byte cannot be passed to a shell", nameof(value));
        }

        var quoted = new List<byte>(value.Length + 2) { (byte)'\'' };
        foreach (var b in value)
        {
            if (b == (byte)'\'')
            {
                quoted.AddRange("'\\''"u8);
            }
            else
            {
                quoted.Add(b);
            }
        }

        quoted.Add((byte)'\'');
        return [.. quoted];
    }
}
