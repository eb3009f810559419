namespace SessionKeeper.Ssh.Config;

/// <summary>
/// Resolves OpenSSH client configuration for a host the way OpenSSH 9.2's <c>ssh -G</c> does, for
/// the keywords SessionKeeper honours (see <see cref="ResolvedHostConfig"/>). Files are read on
/// every <see cref="Resolve"/>, as ssh reads them on every run.
/// </summary>
/// <remarks>
/// The order is ssh's: <c>-o</c> options, then -l/-p, then the config files (first obtained value
/// wins), then the HostName is expanded and lower-cased (or an address canonicalised). When a
/// <c>Match final</c> line exists anywhere (or CanonicalizeHostname is on), the files are read a
/// second time with the final hostname: Host lines and <c>Match host</c> then test that name, and
/// <c>Match final</c>/<c>Match canonical</c> hold; values from the first pass still win. No DNS
/// canonicalisation is done: CanonicalizeHostname is reported as unsupported instead.
/// </remarks>
internal sealed partial class SshConfigResolver
{
    private readonly string? _configFile;
    private readonly IReadOnlyList<string> _overrides;
    private readonly SshConfigEnvironment _environment;

    private SshConfigResolver(string? configFile, IReadOnlyList<string> overrides, SshConfigEnvironment environment)
    {
        _configFile = configFile;
        _overrides = overrides;
        _environment = environment;
    }

    /// <summary>
    /// Creates a resolver. <paramref name="configFile"/> is ssh's -F (a path, or "none" for no file
    /// at all); null reads the user's config then the system config, either may be missing.
    /// <paramref name="overrides"/> are ssh's -o options ("Key=Value" or "Key Value"); they come
    /// first, so they win, and are processed before -l and -p.
    /// </summary>
    /// <exception cref="SshConfigException">The config file cannot be opened, or an override is invalid.</exception>
    public static SshConfigResolver Create(string? configFile, IReadOnlyList<string> overrides, SshConfigEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var resolver = new SshConfigResolver(configFile, [.. overrides], environment ?? SshConfigEnvironment.Current);
        if (configFile is not null && !IsNone(configFile) && !File.Exists(configFile) && !Directory.Exists(configFile))
        {
            throw new SshConfigException(configFile, 0,
                $"Can't open user config file {configFile}: it does not exist. Check the path given with -F");
        }

        resolver.ApplyOverrides(new ConfigOptions(), string.Empty);
        return resolver;
    }

    /// <summary>
    /// Resolves the configuration for <paramref name="host"/> (the destination without any user@).
    /// <paramref name="userFromCommandLine"/> and <paramref name="portFromCommandLine"/> act like
    /// ssh's -l and -p: they win over the config files but not over -o User=/Port=.
    /// </summary>
    /// <exception cref="SshConfigException">A config file is malformed or uses something unsupported (Match exec).</exception>
    public ResolvedHostConfig Resolve(string host, string? userFromCommandLine = null, int? portFromCommandLine = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        if (portFromCommandLine is { } p && p is <= 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(portFromCommandLine), p, "A port is 1-65535.");
        }

        var options = new ConfigOptions();
        ApplyOverrides(options, host);
        var commandLine = new SourceLocation(SourceLocation.CommandLine, 0);
        if (userFromCommandLine is not null)
        {
            options.User ??= new Sourced<string>(userFromCommandLine, commandLine);
        }

        if (portFromCommandLine is { } port)
        {
            options.Port ??= new Sourced<int>(port, commandLine);
        }

        CheckCommandLineNames(options, host);
        var firstPass = new ConfigReader(options, _environment, host, host, trackFinalPass: true);
        ReadConfigFiles(firstPass, ReadFlags.None);

        var target = host;
        if (options.HostName is { } hostName)
        {
            target = TokenExpander.ExpandHostName(hostName, host);
            options.HostName = hostName with { Value = target };
        }

        target = AddressCanonicalizer.Canonicalize(target);

        var canonicalize = options.CanonicalizeHostname?.Value is { } c && c is not ("no" or "false");
        if (firstPass.WantFinalPass || canonicalize)
        {
            options.HostName = new Sourced<string>(target, options.HostName?.Source ?? commandLine);
            var finalPass = new ConfigReader(options, _environment, target, host, trackFinalPass: false);
            ReadConfigFiles(finalPass, ReadFlags.FinalPass);
        }

        return Finish(options, host, target);
    }

    /// <summary>OpenSSH refuses shell metacharacters in names from the command line (not from files).</summary>
    private static void CheckCommandLineNames(ConfigOptions options, string host)
    {
        if (options.User is { } user && !CommandLineNames.IsValidUser(user.Value))
        {
            throw SshConfigException.At(user.Source, $"remote username \"{user.Value}\" contains invalid characters",
                "User names from the command line may not contain quotes, ;&<>|(){} or control characters, nor start with -");
        }

        if (!CommandLineNames.IsValidHostName(host))
        {
            throw new SshConfigException(SourceLocation.CommandLine, 0,
                $"hostname \"{host}\" contains invalid characters. Host names may not contain spaces, quotes, "
                + "$\\;&<>|(){}, commas or control characters, nor start with -; use a Host alias for anything unusual");
        }
    }

    private void ApplyOverrides(ConfigOptions options, string host)
    {
        var reader = new ConfigReader(options, _environment, host, host, trackFinalPass: false);
        for (var i = 0; i < _overrides.Count; i++)
        {
            reader.ProcessCommandLine(_overrides[i], SourceLocation.ForOverride(i + 1));
        }
    }

    private void ReadConfigFiles(ConfigReader reader, ReadFlags pass)
    {
        if (_configFile is not null)
        {
            if (!IsNone(_configFile) && !reader.ReadFile(_configFile, ReadFlags.UserConfig | pass))
            {
                throw new SshConfigException(_configFile, 0,
                    $"Can't open user config file {_configFile}. Check that it exists and is readable");
            }

            return;
        }

        reader.ReadFile(_environment.UserConfigPath, ReadFlags.UserConfig | ReadFlags.CheckPermissions | pass);
        reader.ReadFile(_environment.SystemConfigPath, pass);
    }

    private static bool IsNone(string value) => Ascii.EqualsIgnoreCase(value, "none");
}
