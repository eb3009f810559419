using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// Splits <c>host</c>, <c>host:port</c>, <c>[IPv6]</c>, <c>[IPv6]:port</c> and a bare IPv6
/// address. Brackets that hold no IPv6 address are host ranges and stay in the host part.
/// </summary>
internal static class HostAddress
{
    public static bool TrySplit(
        string text,
        [NotNullWhen(true)] out string? host,
        out int? port,
        [NotNullWhen(false)] out string? error)
    {
        host = null;
        port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close > 0 && IsIPv6(text[1..close]))
            {
                var rest = text[(close + 1)..];
                if (rest.Length > 0 && rest[0] != ':')
                {
                    error = $"unexpected '{rest}' after the IPv6 address [{text[1..close]}]";
                    return false;
                }

                if (rest.Length > 0 && !TryParsePort(rest[1..], out port, out error))
                {
                    return false;
                }

                host = text[1..close];
                error = null;
                return true;
            }
        }

        if (IsIPv6(text))
        {
            host = text;
            error = null;
            return true;
        }

        var colon = -1;
        var depth = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '[' => 1, ']' => -1, _ => 0 };
            if (text[i] == ':' && depth == 0)
            {
                if (colon >= 0)
                {
                    error = $"'{text}' has more than one ':'; write an IPv6 address with a port as [address]:port";
                    return false;
                }

                colon = i;
            }
        }

        if (colon < 0)
        {
            host = text;
            error = null;
            return true;
        }

        if (colon == 0)
        {
            error = $"'{text}' has no host name before ':'";
            return false;
        }

        if (!TryParsePort(text[(colon + 1)..], out port, out error))
        {
            return false;
        }

        host = text[..colon];
        return true;
    }

    /// <summary>Parses a port number from 1 to 65535, written in decimal digits only.</summary>
    public static bool TryParsePort(string text, out int? port, [NotNullWhen(false)] out string? error)
    {
        port = null;
        if (HostRangeGroup.IsDigits(text) && text.Length <= 5
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            && value is >= 1 and <= 65535)
        {
            port = value;
            error = null;
            return true;
        }

        error = PortError(text);
        return false;
    }

    public static bool IsIPv6(string text) =>
        text.Contains(':', StringComparison.Ordinal)
        && IPAddress.TryParse(text, out var address)
        && address.AddressFamily == AddressFamily.InterNetworkV6;

    private static string PortError(string text) => text.Length == 0
        ? "a ':' must be followed by a port number"
        : $"port '{text}' is not a number from 1 to 65535";
}
