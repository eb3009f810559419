namespace SessionKeeper.Ssh.Config;

/// <summary>
/// OpenSSH's misc.c destination parsers, used for ProxyJump hops: <c>parse_ssh_uri()</c>
/// (<c>ssh://[user@]host[:port]</c>) and <c>parse_user_host_port()</c> (<c>[user@]host[:port]</c>,
/// with <c>[addr]</c> brackets for IPv6).
/// </summary>
internal static class DestinationParser
{
    /// <summary>A parsed hop: user may be null, port is -1 when not given.</summary>
    public readonly record struct Destination(string? User, string Host, int Port);

    /// <summary>
    /// <c>parse_ssh_uri()</c>: 1 when <paramref name="s"/> is not an ssh:// URI, 0 when it parsed,
    /// -1 when it is a malformed (or path-carrying) URI.
    /// </summary>
    public static int ParseSshUri(string s, out Destination destination)
    {
        destination = default;
        const string Scheme = "ssh://";
        if (!s.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return 1;
        }

        var tmp = s[Scheme.Length..];
        string? user = null;
        var at = tmp.LastIndexOf('@'); // strrchr(), as ssh
        if (at >= 0)
        {
            var info = tmp[..at];
            var semicolon = info.IndexOf(';', StringComparison.Ordinal);
            if (semicolon >= 0)
            {
                info = info[..semicolon];
            }

            if (info.Length == 0 || (user = UrlDecode(info)) is null || user.Contains('\0', StringComparison.Ordinal))
            {
                return -1;
            }

            tmp = tmp[(at + 1)..];
        }

        var hostPart = HpDelim2(ref tmp, out var delim);
        if (hostPart is null || hostPart.Length == 0)
        {
            return -1;
        }

        var host = CleanHostName(hostPart);
        if (!IsValidDomain(host))
        {
            return -1;
        }

        if (host.EndsWith('.'))
        {
            host = host[..^1];
        }

        var port = -1;
        if (!string.IsNullOrEmpty(tmp))
        {
            if (delim == ':')
            {
                var slash = tmp.IndexOf('/', StringComparison.Ordinal);
                var portText = slash >= 0 ? tmp[..slash] : tmp;
                if ((port = ConfigValues.A2Port(portText)) <= 0)
                {
                    return -1;
                }

                tmp = slash >= 0 ? tmp[(slash + 1)..] : null;
            }

            if (!string.IsNullOrEmpty(tmp))
            {
                // A path: invalid for a destination (and urldecode() failing is -1 all the same).
                return -1;
            }
        }

        destination = new Destination(user, host, port);
        return 0;
    }

    /// <summary><c>parse_user_host_port()</c>.</summary>
    public static bool TryParseUserHostPort(string s, out Destination destination)
    {
        destination = default;
        var tmp = s;
        string? user = null;
        var at = tmp.LastIndexOf('@');
        if (at >= 0)
        {
            if (at == 0)
            {
                return false;
            }

            user = tmp[..at];
            tmp = tmp[(at + 1)..];
        }

        var rest = tmp;
        var hostPart = HpDelim2(ref rest, out var delim);
        if (delim == '/' || hostPart is null || hostPart.Length == 0)
        {
            return false;
        }

        var port = -1;
        if (!string.IsNullOrEmpty(rest) && (port = ConfigValues.A2Port(rest)) <= 0)
        {
            return false;
        }

        destination = new Destination(user, CleanHostName(hostPart), port);
        return true;
    }

    /// <summary>
    /// <c>hpdelim2()</c>: splits "host" or "[host]" from what follows a ':' or '/'. Returns null
    /// when a bracketed host is unterminated or followed by something else.
    /// </summary>
    private static string? HpDelim2(ref string? cp, out char delim)
    {
        delim = '\0';
        if (cp is null)
        {
            return null;
        }

        var s = cp;
        int end;
        if (s.StartsWith('['))
        {
            var close = s.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return null;
            }

            end = close + 1;
        }
        else
        {
            end = s.AsSpan().IndexOfAny(":/");
            if (end < 0)
            {
                end = s.Length;
            }
        }

        if (end == s.Length)
        {
            cp = null;
            return s;
        }

        if (s[end] is ':' or '/')
        {
            delim = s[end];
            cp = s[(end + 1)..];
            return s[..end];
        }

        return null;
    }

    /// <summary><c>cleanhostname()</c>: strips the brackets of "[addr]".</summary>
    public static string CleanHostName(string host) =>
        host.Length >= 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;

    /// <summary><c>valid_domain(name, 0)</c>.</summary>
    private static bool IsValidDomain(string name)
    {
        if (name.Length == 0 || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        var last = '\0';
        foreach (var raw in name)
        {
            var c = char.ToLowerInvariant(raw);
            if ((last == '.' && c == '.') || (c != '.' && c != '-' && c != '_' && !char.IsAsciiLetterOrDigit(c)))
            {
                return false;
            }

            last = c;
        }

        return true;
    }

    private static string? UrlDecode(string src)
    {
        var result = new System.Text.StringBuilder(src.Length);
        for (var i = 0; i < src.Length; i++)
        {
            switch (src[i])
            {
                case '+':
                    result.Append(' ');
                    break;
                case '%':
                    if (i + 2 >= src.Length || !char.IsAsciiHexDigit(src[i + 1]) || !char.IsAsciiHexDigit(src[i + 2]))
                    {
                        return null;
                    }

                    result.Append((char)Convert.ToInt32(src.Substring(i + 1, 2), 16));
                    i += 2;
                    break;
                default:
                    result.Append(src[i]);
                    break;
            }
        }

        return result.ToString();
    }
}
