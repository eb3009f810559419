using System.Globalization;

namespace SessionKeeper.Ssh.Config;

/// <summary>OpenSSH's value parsers: <c>convtime()</c>, <c>strtonum()</c>, <c>a2port()</c>, multistate flags.</summary>
internal static class ConfigValues
{
    public static readonly string[] Flag = ["true", "false", "yes", "no"];

    /// <summary>Parses yes/no/true/false (case-insensitive); null when it is none of them.</summary>
    public static bool? ParseFlag(string? value) => value is null ? null : Ascii.ToLower(value) switch
    {
        "yes" or "true" => true,
        "no" or "false" => false,
        _ => null,
    };

    /// <summary>
    /// <c>convtime()</c>: a sequence of <c>number[smhdwSMHDW]</c> in seconds, or -1 when invalid or
    /// beyond <c>int.MaxValue</c>.
    /// </summary>
    public static int ConvTime(string s)
    {
        if (s.Length == 0)
        {
            return -1;
        }

        long total = 0;
        var p = 0;
        while (p < s.Length)
        {
            if (!TryStrtol(s, ref p, out var secs) || secs < 0)
            {
                return -1;
            }

            long multiplier = 1;
            if (p < s.Length)
            {
                switch (s[p++])
                {
                    case 's' or 'S':
                        break;
                    case 'm' or 'M':
                        multiplier = 60;
                        break;
                    case 'h' or 'H':
                        multiplier = 60 * 60;
                        break;
                    case 'd' or 'D':
                        multiplier = 24 * 60 * 60;
                        break;
                    case 'w' or 'W':
                        multiplier = 7 * 24 * 60 * 60;
                        break;
                    default:
                        return -1;
                }
            }

            if (secs > int.MaxValue / multiplier)
            {
                return -1;
            }

            secs *= multiplier;
            if (total > int.MaxValue - secs)
            {
                return -1;
            }

            total += secs;
        }

        return (int)total;
    }

    /// <summary><c>strtonum(s, min, max)</c>: the whole string must be a base-10 number in range.</summary>
    public static bool TryStrToNum(string s, long min, long max, out long value)
    {
        value = 0;
        var p = 0;
        if (!TryStrtol(s, ref p, out var parsed) || p != s.Length || parsed < min || parsed > max)
        {
            return false;
        }

        value = parsed;
        return true;
    }

    /// <summary><c>atoi_err()</c>: 0..int.MaxValue, or an error word ("missing", "invalid", ...).</summary>
    public static string? AtoiError(string? s, out int value)
    {
        value = 0;
        if (string.IsNullOrEmpty(s))
        {
            return "missing";
        }

        var p = 0;
        if (!TryStrtol(s, ref p, out var parsed) || p != s.Length)
        {
            return "invalid";
        }

        if (parsed < 0)
        {
            return "too small";
        }

        if (parsed > int.MaxValue)
        {
            return "too large";
        }

        value = (int)parsed;
        return null;
    }

    /// <summary><c>a2port()</c>: 0..65535 or a TCP service name from /etc/services; -1 if neither.</summary>
    public static int A2Port(string s)
    {
        if (TryStrToNum(s, 0, 65535, out var port))
        {
            return (int)port;
        }

        return ServiceLookup.TcpPort(s) ?? -1;
    }

    /// <summary>
    /// <c>strtol(p, &amp;end, 10)</c>: optional leading whitespace and sign, then digits. Fails when no
    /// digit was read; saturates like strtol instead of overflowing.
    /// </summary>
    private static bool TryStrtol(string s, ref int p, out long value)
    {
        value = 0;
        var i = p;
        while (i < s.Length && s[i] is ' ' or '\t' or '\n' or '\r' or '\f' or '\v')
        {
            i++;
        }

        var negative = false;
        if (i < s.Length && s[i] is '+' or '-')
        {
            negative = s[i] == '-';
            i++;
        }

        var digitsStart = i;
        long acc = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            acc = acc > (long.MaxValue - 9) / 10 ? long.MaxValue : (acc * 10) + (s[i] - '0');
            i++;
        }

        if (i == digitsStart)
        {
            return false;
        }

        value = negative ? -acc : acc;
        p = i;
        return true;
    }

    public static string FormatInt(int value) => value.ToString(CultureInfo.InvariantCulture);
}
