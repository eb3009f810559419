namespace SessionKeeper.Ssh.Config;

/// <summary>What <see cref="ConfigReader"/> is reading, OpenSSH's <c>SSHCONF_*</c> flags.</summary>
[Flags]
internal enum ReadFlags
{
    None = 0,

    /// <summary>The user's config (or -F, or -o): relative Includes live in ~/.ssh, and ~ is allowed.</summary>
    UserConfig = 1,

    /// <summary>Refuse group- or world-writable files (~/.ssh/config and every included file).</summary>
    CheckPermissions = 2,

    /// <summary>Included from an inactive block: parse everything, apply nothing.</summary>
    NeverMatch = 4,

    /// <summary>The second pass requested by <c>Match final</c> (or hostname canonicalisation).</summary>
    FinalPass = 8,
}

/// <summary>
/// One pass over the configuration files for one host: readconf.c's
/// <c>read_config_file_depth()</c> and <c>process_config_line_depth()</c>. Lines are checked
/// whether or not their block applies, as OpenSSH does, so a bad line fails for every host.
/// </summary>
internal sealed partial class ConfigReader
{
    /// <summary>READCONF_MAX_DEPTH: deeper (or cyclic) Includes are fatal.</summary>
    public const int MaxIncludeDepth = 16;

    private const string FixAdvice = "Fix the line (see ssh_config(5)); OpenSSH refuses it too";

    private readonly ConfigOptions _options;
    private readonly SshConfigEnvironment _environment;
    private readonly string _host;
    private readonly string _originalHost;
    private readonly bool _trackFinalPass;

    /// <param name="options">The -F and -o the command line gave.</param>
    /// <param name="environment">Home, user and config paths for tokens and Include.</param>
    /// <param name="host">What Host lines match: the name as given, or the final hostname in the final pass.</param>
    /// <param name="originalHost">The name as given on the command line.</param>
    /// <param name="trackFinalPass">Record whether a <c>Match final</c> asks for a second pass.</param>
    public ConfigReader(ConfigOptions options, SshConfigEnvironment environment, string host, string originalHost, bool trackFinalPass)
    {
        _options = options;
        _environment = environment;
        _host = host;
        _originalHost = originalHost;
        _trackFinalPass = trackFinalPass;
    }

    /// <summary>Set when some <c>Match final</c> line was seen (matching or not).</summary>
    public bool WantFinalPass { get; private set; }

    /// <summary>Reads a top-level file. Returns false when it could not be opened.</summary>
    public bool ReadFile(string path, ReadFlags flags)
    {
        var active = true;
        return ReadFile(path, flags, ref active, 0);
    }

    /// <summary>Applies one <c>-o</c> option; Host, Match and Include are refused there.</summary>
    public void ProcessCommandLine(string line, SourceLocation where)
    {
        var active = true;
        ProcessLine(line, where, ReadFlags.UserConfig, ref active, 0, commandLine: true);
    }

    private bool ReadFile(string path, ReadFlags flags, ref bool active, int depth)
    {
        if (depth is < 0 or > MaxIncludeDepth)
        {
            throw new SshConfigException(path, 0,
                $"{path}: too many recursive configuration includes (more than {MaxIncludeDepth} levels; "
                + "OpenSSH stops here too). Look for an Include that includes itself, directly or through another file");
        }

        string text;
        try
        {
            if (Directory.Exists(path))
            {
                // fopen() succeeds on a directory and getline() then reads nothing.
                CheckPermissions(path, flags);
                return true;
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        CheckPermissions(path, flags);
        var lines = text.Split('\n');
        var count = text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
        for (var i = 0; i < count; i++)
        {
            ProcessLine(lines[i], new SourceLocation(path, i + 1), flags, ref active, depth, commandLine: false);
        }

        return true;
    }

    private void CheckPermissions(string path, ReadFlags flags)
    {
        if ((flags & ReadFlags.CheckPermissions) == 0 || ConfigFilePermissions.IsSecure(path, _environment.LocalUserId))
        {
            return;
        }

        throw new SshConfigException(path, 0,
            $"Bad owner or permissions on {path}: only you (or root) may own it and nobody else may write to it, "
            + $"or anyone who can could redirect your connections. Run: chmod go-w '{path}' (OpenSSH refuses it too)");
    }

    private void ProcessLine(string rawLine, SourceLocation where, ReadFlags flags, ref bool active, int depth, bool commandLine)
    {
        var line = ConfigLexer.TrimLineEnd(rawLine);
        if (line.Length == 0)
        {
            return;
        }

        var pos = 0;
        var keyword = ConfigLexer.StrDelim(line, ref pos);
        if (keyword is null)
        {
            return;
        }

        if (keyword.Length == 0)
        {
            keyword = ConfigLexer.StrDelim(line, ref pos);
        }

        if (string.IsNullOrEmpty(keyword) || keyword[0] is '\n' or '#')
        {
            return;
        }

        keyword = Ascii.ToLower(keyword);
        pos = ConfigLexer.SkipWhitespace(line, pos);
        if (pos == ConfigLexer.End || pos >= line.Length)
        {
            throw SshConfigException.At(where, $"no argument after keyword \"{keyword}\"", FixAdvice);
        }

        var rest = line[pos..];
        var spec = FindKeyword(keyword, where);
        var args = ConfigLexer.ArgvSplit(rest)
            ?? throw SshConfigException.At(where, "invalid quotes (a quote is not closed)", "Close the quote or escape it with a backslash");
        var cursor = new ArgCursor(args);
        if (spec is null)
        {
            cursor.ConsumeAll(); // listed in IgnoreUnknown
        }
        else
        {
            Apply(spec, keyword, rest, cursor, where, flags, ref active, depth, commandLine);
        }

        if (cursor.Remaining > 0)
        {
            throw SshConfigException.At(where, $"keyword {keyword} extra arguments at end of line",
                "Remove the extra words, or quote a value that contains spaces");
        }
    }

    /// <summary><c>parse_token()</c>: null for an unknown keyword that IgnoreUnknown covers.</summary>
    private KeywordSpec? FindKeyword(string keyword, SourceLocation where)
    {
        var spec = KeywordTable.Find(keyword);
        if (spec is not null)
        {
            return spec;
        }

        if (_options.IgnoreUnknown is { } ignored && HostPatterns.MatchList(keyword, ignored, lowerPatterns: true) == 1)
        {
            return null;
        }

        throw SshConfigException.At(where, $"Bad configuration option: {keyword}",
            "Fix the spelling, remove the line, or list the keyword in an earlier IgnoreUnknown line");
    }

    private static SshConfigException Bad(SourceLocation where, string problem) =>
        SshConfigException.At(where, problem, FixAdvice);

    /// <summary>The arguments of a line, consumed left to right (<c>argv_next()</c>).</summary>
    private sealed class ArgCursor(List<string> args)
    {
        private int _next;

        public int Remaining => args.Count - _next;

        public string? Next() => _next < args.Count ? args[_next++] : null;

        public void ConsumeAll() => _next = args.Count;
    }
}
