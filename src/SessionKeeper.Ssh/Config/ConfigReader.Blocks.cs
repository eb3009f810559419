namespace SessionKeeper.Ssh.Config;

internal sealed partial class ConfigReader
{
    /// <summary>
    /// <c>Host</c>: the block applies when a pattern matches the host (case-sensitively, as given),
    /// unless a negated pattern matches, which ends the line.
    /// </summary>
    private void ApplyHost(ArgCursor args, SourceLocation where, ReadFlags flags, ref bool active, bool commandLine)
    {
        if (commandLine)
        {
            throw SshConfigException.At(where, "Host is not allowed in a -o option", "Put Host blocks in a config file");
        }

        active = false;
        while (args.Next() is { } arg)
        {
            if (arg.Length == 0)
            {
                throw Bad(where, "keyword host empty argument");
            }

            if ((flags & ReadFlags.NeverMatch) != 0)
            {
                args.ConsumeAll();
                break;
            }

            var negated = arg[0] == '!';
            if (HostPatterns.Match(_host, negated ? arg[1..] : arg))
            {
                if (negated)
                {
                    active = false;
                    args.ConsumeAll();
                    break;
                }

                active = true;
            }
        }
    }

    private void ApplyMatch(string rest, ArgCursor args, SourceLocation where, ReadFlags flags, ref bool active, bool commandLine)
    {
        if (commandLine)
        {
            throw SshConfigException.At(where, "Match is not allowed in a -o option", "Put Match blocks in a config file");
        }

        var cursor = 0;
        var result = EvaluateMatch(rest, ref cursor, where, flags);
        active = (flags & ReadFlags.NeverMatch) == 0 && result;
        if (cursor == ConfigLexer.End || cursor >= rest.Length)
        {
            args.ConsumeAll();
        }
    }

    /// <summary>
    /// <c>Include</c>: each argument is a glob; relative paths are under ~/.ssh (user config) or
    /// /etc/ssh (system config). Files included from an inactive block are parsed but never
    /// applied, and a Host or Match inside an included file does not leak out of it.
    /// </summary>
    private void ApplyInclude(ArgCursor args, SourceLocation where, ReadFlags flags, ref bool active, int depth, bool commandLine)
    {
        if (commandLine)
        {
            throw SshConfigException.At(where, "Include is not allowed in a -o option", "Put Include lines in a config file");
        }

        var userConfig = (flags & ReadFlags.UserConfig) != 0;
        while (args.Next() is { } arg)
        {
            if (arg.Length == 0)
            {
                throw Bad(where, "keyword include empty argument");
            }

            if (arg[0] == '~' && !userConfig)
            {
                throw Bad(where, $"bad include path {arg} (~ is only allowed in the user's own config)");
            }

            var pattern = arg[0] is '/' or '~' ? arg : (userConfig ? "~/.ssh/" : "/etc/ssh/") + arg;
            var outerActive = active;
            foreach (var file in IncludeGlob.Expand(pattern, _environment))
            {
                var childFlags = flags | ReadFlags.CheckPermissions | (outerActive ? ReadFlags.None : ReadFlags.NeverMatch);
                if (!ReadFile(file, childFlags, ref active, depth + 1) && File.Exists(file))
                {
                    throw SshConfigException.At(where, $"Can't open included config file {file}",
                        "Make it readable, or remove it from the Include");
                }

                active = outerActive;
            }
        }
    }
}
