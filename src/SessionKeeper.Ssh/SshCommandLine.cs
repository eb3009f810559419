namespace SessionKeeper.Ssh;

/// <summary>
/// The ssh-like options of SessionKeeper's command line, before resolution. They mean what the
/// same ssh options mean: -o, -i, -J and --known-hosts act as command-line ssh_config options
/// (first obtained value wins, so they beat the files), -l and -p as ssh's -l and -p.
/// </summary>
internal sealed record SshCommandLine
{
    /// <summary>-F: the only config file to read ("none" for none); null reads ~/.ssh/config then /etc/ssh/ssh_config.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>-o: "Keyword=value" or "Keyword value", in order.</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    /// <summary>-l: the remote user when the destination names none.</summary>
    public string? LoginName { get; init; }

    /// <summary>-p.</summary>
    public int? Port { get; init; }

    /// <summary>-i: identity files, tried before those of the config files.</summary>
    public IReadOnlyList<string> IdentityFiles { get; init; } = [];

    /// <summary>--known-hosts: UserKnownHostsFile for the destination.</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>--connect-timeout: wins over ConnectTimeout from the config files.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>-J: ProxyJump for the destination ("none" to ignore the config's).</summary>
    public string? JumpHosts { get; init; }

    /// <summary>--password-auth: also try keyboard-interactive and password authentication, last.</summary>
    public bool PasswordAuthentication { get; init; }

    /// <summary>The -o options ssh_config resolution sees for the destination: -J, -o, -i and --known-hosts.</summary>
    public IReadOnlyList<string> ConfigOverrides()
    {
        var overrides = new List<string>();
        if (JumpHosts is not null)
        {
            overrides.Add("ProxyJump=" + JumpHosts);
        }

        overrides.AddRange(Options);
        overrides.AddRange(IdentityFiles.Select(f => "IdentityFile=" + Quote(f, "-i")));
        if (KnownHostsFile is not null)
        {
            overrides.Add("UserKnownHostsFile=" + Quote(KnownHostsFile, "--known-hosts"));
        }

        return overrides;
    }

    private static string Quote(string path, string option)
    {
        if (path.Length == 0 || path.Any(c => c is '"' or '\\' || char.IsControl(c)))
        {
            throw new Core.Failures.SessionKeeperException(Core.Failures.FailureKind.InvalidInput, $"{option} {path}: a file name may not be empty or contain double quotes, backslashes or control characters.");
        }

        return '"' + path + '"';
    }
}
