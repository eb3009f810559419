namespace SessionKeeper.Ssh.Config;

internal sealed partial class ConfigReader
{
    /// <summary>
    /// readconf.c's <c>match_cfg_line()</c>. All criteria must hold. <c>host</c> tests the target
    /// hostname as known at this point (HostName obtained so far, %h expanded, else the name as
    /// given; in the final pass the final hostname), <c>originalhost</c> the name as given; both
    /// case-insensitively. <c>canonical</c> and <c>final</c> hold only in the final pass.
    /// </summary>
    private bool EvaluateMatch(string rest, ref int cp, SourceLocation where, ReadFlags flags)
    {
        var finalPass = (flags & ReadFlags.FinalPass) != 0;
        var result = true;
        var attributes = 0;
        var host = CurrentMatchHost(finalPass);
        var remoteUser = _options.User?.Value ?? _environment.LocalUser;

        while (ConfigLexer.StrDelim(rest, ref cp) is { Length: > 0 } oattrib)
        {
            if (oattrib[0] == '#')
            {
                cp = ConfigLexer.End;
                break;
            }

            var negate = oattrib[0] == '!';
            var attrib = Ascii.ToLower(negate ? oattrib[1..] : oattrib);
            if (attrib == "all")
            {
                string? next;
                if (attributes > 1 || ((next = ConfigLexer.StrDelim(rest, ref cp)) is { Length: > 0 } && next[0] != '#'))
                {
                    throw Bad(where, $"'{oattrib}' cannot be combined with other Match attributes");
                }

                if (next is { Length: > 0 } && next[0] == '#')
                {
                    cp = ConfigLexer.End;
                }

                return result && !negate;
            }

            attributes++;
            if (attrib is "canonical" or "final")
            {
                if (attrib == "final" && _trackFinalPass)
                {
                    WantFinalPass = true;
                }

                if (finalPass == negate)
                {
                    result = false;
                }

                continue;
            }

            var arg = ConfigLexer.StrDelim(rest, ref cp);
            if (string.IsNullOrEmpty(arg) || arg[0] == '#')
            {
                throw Bad(where, $"Missing Match criteria for {attrib}");
            }

            bool matched;
            switch (attrib)
            {
                case "host":
                    matched = HostPatterns.MatchHostName(host, arg) == 1;
                    break;
                case "originalhost":
                    matched = HostPatterns.MatchHostName(_originalHost, arg) == 1;
                    break;
                case "user":
                    matched = HostPatterns.MatchList(remoteUser, arg, lowerPatterns: false) == 1;
                    break;
                case "localuser":
                    matched = HostPatterns.MatchList(_environment.LocalUser, arg, lowerPatterns: false) == 1;
                    break;
                case "exec":
                    if (!result || (flags & ReadFlags.NeverMatch) != 0)
                    {
                        // OpenSSH skips the command when an earlier criterion already failed; in a
                        // never-matching include the outcome cannot change anything.
                        continue;
                    }

                    throw SshConfigException.At(where, $"Match exec is not supported (it would run {arg})",
                        "SessionKeeper does not run commands from ssh_config. Replace it with Match host/user/originalhost "
                        + "criteria, or pass -F with a config that avoids it");
                default:
                    throw Bad(where, $"Unsupported Match attribute {attrib}");
            }

            if (matched == negate)
            {
                result = false;
            }
        }

        if (attributes == 0)
        {
            throw Bad(where, "One or more attributes required for Match");
        }

        return result;
    }

    private string CurrentMatchHost(bool finalPass)
    {
        if (finalPass)
        {
            return _options.HostName!.Value;
        }

        return _options.HostName is { } hostName ? TokenExpander.ExpandHostName(hostName, _host) : _host;
    }
}
