namespace SessionKeeper.Ssh.Config;

internal sealed partial class ConfigReader
{
    private void Apply(KeywordSpec spec, string keyword, string rest, ArgCursor args, SourceLocation where,
        ReadFlags flags, ref bool active, int depth, bool commandLine)
    {
        switch (spec.Id)
        {
            case ConfigKeyword.Host:
                ApplyHost(args, where, flags, ref active, commandLine);
                return;
            case ConfigKeyword.Match:
                ApplyMatch(rest, args, where, flags, ref active, commandLine);
                return;
            case ConfigKeyword.Include:
                ApplyInclude(args, where, flags, ref active, depth, commandLine);
                return;
            case ConfigKeyword.IdentityFile:
                AddFile(_options.IdentityFiles, ConfigOptions.MaxIdentityFiles, "identity", args, where, flags, active);
                return;
            case ConfigKeyword.CertificateFile:
                AddFile(_options.CertificateFiles, ConfigOptions.MaxCertificateFiles, "certificate", args, where, flags, active);
                return;
            case ConfigKeyword.Port:
                ApplyPort(args, where, active);
                return;
            case ConfigKeyword.ProxyJump:
                args.ConsumeAll();
                var jump = rest[ConfigLexer.SkipWhitespace(rest, 0, "=")..];
                if (!ParseJump(jump, where, active, strict: commandLine))
                {
                    throw Bad(where, $"Invalid ProxyJump \"{jump}\"");
                }

                return;
            case ConfigKeyword.KexAlgorithms:
                ApplyKex(args, where, active);
                return;
            case ConfigKeyword.UserKnownHostsFile:
                var wasSet = _options.UserKnownHostsFiles is not null;
                _options.UserKnownHostsFiles = ParseFileList(keyword, _options.UserKnownHostsFiles, args, where, active);
                if (!wasSet && _options.UserKnownHostsFiles is not null)
                {
                    _options.UserKnownHostsSource = where;
                }

                return;
            case ConfigKeyword.GlobalKnownHostsFile:
                _options.GlobalKnownHostsFiles = ParseFileList(keyword, _options.GlobalKnownHostsFiles, args, where, active);
                return;
        }

        var value = ParseGeneric(spec, rest, args, where);
        if (active && value is not null)
        {
            Store(spec.Id, value, where);
        }
    }

    /// <summary>Checks the arguments by kind; returns the value (a single word, or the rest of the line).</summary>
    private static string? ParseGeneric(KeywordSpec spec, string rest, ArgCursor args, SourceLocation where)
    {
        string? arg;
        switch (spec.Kind)
        {
            case ArgKind.Flag:
            case ArgKind.Choice:
                arg = args.Next();
                if (string.IsNullOrEmpty(arg))
                {
                    throw Bad(where, "missing argument");
                }

                var choices = spec.Kind == ArgKind.Flag ? ConfigValues.Flag : spec.Choices!;
                var lower = Ascii.ToLower(arg);
                return choices.Contains(lower)
                    ? lower
                    : throw Bad(where, $"unsupported option \"{arg}\" for {spec.Name} (expected {string.Join(", ", choices)})");
            case ArgKind.Time:
                arg = args.Next();
                if (string.IsNullOrEmpty(arg))
                {
                    throw Bad(where, "missing time value");
                }

                return arg == "none" || ConfigValues.ConvTime(arg) >= 0
                    ? arg
                    : throw Bad(where, $"invalid time value \"{arg}\" (use seconds, or a duration such as 1m30s, or none)");
            case ArgKind.Int:
                arg = args.Next();
                return ConfigValues.AtoiError(arg, out _) is { } error
                    ? throw Bad(where, $"integer value {error}")
                    : arg;
            case ArgKind.String:
                arg = args.Next();
                return string.IsNullOrEmpty(arg) ? throw Bad(where, "Missing argument") : arg;
            case ArgKind.Range:
                if (args.Remaining < spec.Min)
                {
                    throw Bad(where, "Missing argument");
                }

                for (var i = 0; i < spec.Max && args.Remaining > 0; i++)
                {
                    args.Next();
                }

                return null;
            case ArgKind.Rest:
                args.ConsumeAll();
                return rest[ConfigLexer.SkipWhitespace(rest, 0, "=")..];
            default:
                args.ConsumeAll();
                return null;
        }
    }

    private void Store(ConfigKeyword id, string value, SourceLocation where)
    {
        var o = _options;
        var sourced = new Sourced<string>(value, where);
        switch (id)
        {
            case ConfigKeyword.User: o.User ??= sourced; break;
            case ConfigKeyword.HostName: o.HostName ??= sourced; break;
            case ConfigKeyword.HostKeyAlias: o.HostKeyAlias ??= sourced; break;
            case ConfigKeyword.IgnoreUnknown: o.IgnoreUnknown ??= value; break;
            case ConfigKeyword.IdentitiesOnly: o.IdentitiesOnly ??= ConfigValues.ParseFlag(value); break;
            case ConfigKeyword.HashKnownHosts: o.HashKnownHosts ??= ConfigValues.ParseFlag(value); break;
            case ConfigKeyword.BatchMode: o.BatchMode ??= ConfigValues.ParseFlag(value); break;
            case ConfigKeyword.PermitLocalCommand:
                o.PermitLocalCommand ??= new Sourced<bool>(ConfigValues.ParseFlag(value)!.Value, where);
                break;
            case ConfigKeyword.ConnectTimeout: o.ConnectTimeout ??= TimeOrNull(value); break;
            case ConfigKeyword.ServerAliveInterval: o.ServerAliveInterval ??= TimeOrNull(value); break;
            case ConfigKeyword.ServerAliveCountMax:
                ConfigValues.AtoiError(value, out var count);
                o.ServerAliveCountMax ??= count;
                break;
            case ConfigKeyword.StrictHostKeyChecking:
                o.StrictHostKeyChecking ??= value switch
                {
                    "yes" or "true" => StrictHostKeyCheckingMode.Yes,
                    "ask" => StrictHostKeyCheckingMode.Ask,
                    "accept-new" => StrictHostKeyCheckingMode.AcceptNew,
                    _ => StrictHostKeyCheckingMode.No,
                };
                break;
            case ConfigKeyword.ProxyCommand: o.ProxyCommand ??= sourced; break;
            case ConfigKeyword.LocalCommand: o.LocalCommand ??= sourced; break;
            case ConfigKeyword.RemoteCommand: o.RemoteCommand ??= sourced; break;
            case ConfigKeyword.KnownHostsCommand: o.KnownHostsCommand ??= sourced; break;
            case ConfigKeyword.ControlMaster: o.ControlMaster ??= sourced; break;
            case ConfigKeyword.ControlPath: o.ControlPath ??= sourced; break;
            case ConfigKeyword.CanonicalizeHostname: o.CanonicalizeHostname ??= sourced; break;
            case ConfigKeyword.IdentityAgent: o.IdentityAgent ??= sourced; break;
            case ConfigKeyword.RevokedHostKeys: o.RevokedHostKeys ??= sourced; break;
            case ConfigKeyword.Pkcs11Provider: o.Pkcs11Provider ??= sourced; break;
            case ConfigKeyword.BindAddress: o.BindAddress ??= sourced; break;
            case ConfigKeyword.BindInterface: o.BindInterface ??= sourced; break;
        }
    }

    /// <summary>"none" means "not set" to OpenSSH (-1), so a later line may still set the value.</summary>
    private static int? TimeOrNull(string value) => value == "none" ? null : ConfigValues.ConvTime(value);

    private static void AddFile(List<ConfiguredFile> files, int max, string what, ArgCursor args, SourceLocation where, ReadFlags flags, bool active)
    {
        var arg = args.Next();
        if (string.IsNullOrEmpty(arg))
        {
            throw Bad(where, "Missing argument");
        }

        if (!active)
        {
            return;
        }

        if (files.Count >= max)
        {
            throw Bad(where, $"Too many {what} files specified (max {max})");
        }

        ConfigOptions.AddFile(files, new ConfiguredFile(arg, (flags & ReadFlags.UserConfig) != 0, where));
    }

    private void ApplyPort(ArgCursor args, SourceLocation where, bool active)
    {
        var arg = args.Next();
        if (string.IsNullOrEmpty(arg))
        {
            throw Bad(where, "Missing argument");
        }

        var port = ConfigValues.A2Port(arg);
        if (port <= 0)
        {
            throw Bad(where, $"Bad port '{arg}' (use 1-65535 or a service name)");
        }

        if (active)
        {
            _options.Port ??= new Sourced<int>(port, where);
        }
    }

    private void ApplyKex(ArgCursor args, SourceLocation where, bool active)
    {
        var arg = args.Next();
        if (string.IsNullOrEmpty(arg))
        {
            throw Bad(where, "Missing argument");
        }

        if (arg[0] != '-' && !KexAlgorithmList.NamesValid(arg[0] is '+' or '^' ? arg[1..] : arg))
        {
            throw Bad(where, $"Bad SSH2 KexAlgorithms '{arg}' (see ssh -Q kex)");
        }

        if (active)
        {
            _options.KexAlgorithms ??= new Sourced<string>(arg, where);
        }
    }

    /// <summary>
    /// <c>parse_char_array</c>: only the first line that sets the list counts (all its words);
    /// "none" must stand alone.
    /// </summary>
    private static List<string>? ParseFileList(string keyword, List<string>? current, ArgCursor args, SourceLocation where, bool active)
    {
        var wasEmpty = current is null;
        var words = 0;
        while (args.Next() is { } arg)
        {
            if (arg.Length == 0)
            {
                throw Bad(where, $"keyword {keyword} empty argument");
            }

            if (Ascii.EqualsIgnoreCase(arg, "none") && (words > 0 || args.Remaining > 0))
            {
                throw Bad(where, $"keyword {keyword} \"none\" argument must appear alone");
            }

            words++;
            if (active && wasEmpty)
            {
                current ??= [];
                if (current.Count >= ConfigOptions.MaxHostsFiles)
                {
                    throw Bad(where, $"too many {keyword} entries");
                }

                current.Add(arg);
            }
        }

        return current;
    }
}
