namespace SessionKeeper.Ssh.Config;

internal sealed partial class ConfigReader
{
    private static readonly System.Buffers.SearchValues<char> CSpace = System.Buffers.SearchValues.Create(" \t\n\v\f\r");

    /// <summary>
    /// <c>parse_jump()</c> as the Debian 12 build has it (9.2p1 with the ProxyJump changes of 10.3p1
    /// backported, measured against <c>ssh -G</c>): "none" only when it is the whole value; otherwise
    /// the value ends at the first whitespace or <c>#</c>, every hop is syntax-checked (and, from the
    /// command line, checked for shell metacharacters), only the last hop (the one that reaches the
    /// target) is parsed into user/host/port, the earlier ones are kept verbatim. A ProxyJump is
    /// ignored once a ProxyCommand or ProxyJump was obtained, and obtaining one sets ProxyCommand to
    /// "none" (so ProxyCommand and ProxyJump are first-match-wins between each other).
    /// </summary>
    private bool ParseJump(string s, SourceLocation where, bool active, bool strict)
    {
        if (Ascii.EqualsIgnoreCase(s, "none"))
        {
            if (active && _options.JumpHost is null)
            {
                _options.JumpHost = new Sourced<string>("none", where);
                _options.JumpPort = 0;
            }

            return true;
        }

        var space = s.AsSpan().IndexOfAny(CSpace);
        var value = space >= 0 ? s[..space] : s;
        var hash = value.IndexOf('#', StringComparison.Ordinal);
        value = hash >= 0 ? value[..hash] : value;

        active &= _options.ProxyCommand is null && _options.JumpHost is null;
        var remaining = value;
        DestinationParser.Destination? last = null;
        while (true)
        {
            var comma = remaining.LastIndexOf(',');
            var hop = comma < 0 ? remaining : remaining[(comma + 1)..];
            remaining = comma < 0 ? remaining : remaining[..comma];

            var uri = DestinationParser.ParseSshUri(hop, out var parsed);
            if (uri == -1 || (uri == 1 && !DestinationParser.TryParseUserHostPort(hop, out parsed)))
            {
                return false;
            }

            if (strict && (!CommandLineNames.IsValidHostName(parsed.Host)
                || (parsed.User is not null && !CommandLineNames.IsValidUser(parsed.User))))
            {
                return false;
            }

            last ??= parsed;
            if (comma < 0)
            {
                break;
            }
        }

        if (active)
        {
            _options.JumpUser = last.Value.User;
            _options.JumpHost = new Sourced<string>(last.Value.Host, where);
            _options.JumpPort = last.Value.Port;
            _options.ProxyCommand = new Sourced<string>("none", where);
            var lastComma = value.LastIndexOf(',');
            if (lastComma >= 0)
            {
                _options.JumpExtra = value[..lastComma];
            }
        }

        return true;
    }
}
