using System.Net;
using System.Net.Sockets;

namespace SessionKeeper.Ssh.Config;

/// <summary>
/// What ssh.c does to the target name before use: a name that is an address is rewritten to its
/// canonical numeric form (<c>127.1</c> becomes <c>127.0.0.1</c>, <c>::0001</c> becomes <c>::1</c>);
/// anything else is lower-cased. No DNS lookup is involved.
/// </summary>
internal static class AddressCanonicalizer
{
    public static string Canonicalize(string host)
    {
        if (!IsAddress(host))
        {
            return Ascii.ToLower(host);
        }

        if (host.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(host, out var address))
        {
            return host;
        }

        var canonical = address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6
            ? "::ffff:" + address.MapToIPv4()
            : address.ToString();
        return Ascii.EqualsIgnoreCase(canonical, host) ? host : canonical;
    }

    /// <summary><c>is_addr()</c>: contains '%' or ':', is digits and dots only, or parses as an IPv4 address.</summary>
    private static bool IsAddress(string name) =>
        name.Contains('%', StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal)
        || name.All(c => c is '.' or (>= '0' and <= '9')) || LooksLikeNumericIPv4(name);

    /// <summary>inet_aton() also takes hex parts such as 0x7f.1.</summary>
    private static bool LooksLikeNumericIPv4(string name) =>
        name.Length > 0 && char.IsAsciiDigit(name[0]) && IPAddress.TryParse(name, out var address)
        && address.AddressFamily == AddressFamily.InterNetwork;
}
