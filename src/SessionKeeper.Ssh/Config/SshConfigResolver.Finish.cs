namespace SessionKeeper.Ssh.Config;

internal sealed partial class SshConfigResolver
{
    private const int DefaultPort = 22;

    /// <summary>fill_default_options() and the tidying ssh.c does before <c>-G</c> prints.</summary>
    private ResolvedHostConfig Finish(ConfigOptions o, string hostArg, string host)
    {
        var user = o.User?.Value ?? _environment.LocalUser;
        var port = o.Port?.Value ?? DefaultPort;

        if (o.ProxyCommand?.Value is { } pc && IsNone(pc))
        {
            o.ProxyCommand = null;
        }

        if (o.JumpHost?.Value == "none" && o.JumpPort == 0 && o.JumpUser is null)
        {
            o.JumpHost = null;
        }

        if (o.JumpHost is { } jump)
        {
            var jumpPort = o.JumpPort <= 0 ? DefaultPort : o.JumpPort;
            if (jump.Value == host && jumpPort == port && (o.JumpUser ?? user) == user)
            {
                throw SshConfigException.At(jump.Source, $"jumphost loop via {jump.Value}",
                    "The ProxyJump names the target itself; remove it for this host (e.g. with a Host pattern that excludes it)");
            }
        }

        var hostKeyAlias = o.HostKeyAlias is null ? null : Ascii.ToLower(o.HostKeyAlias.Value);
        var identityDefaults = o.IdentityFiles.Count == 0;
        var identities = identityDefaults ? DefaultIdentityFiles() : o.IdentityFiles;
        var tokens = ClientTokens(hostArg, host, port, user, hostKeyAlias);

        var (jumpText, jumpHosts) = DescribeJump(o);
        return new ResolvedHostConfig
        {
            OriginalHost = hostArg,
            HostName = host,
            User = user,
            Port = port,
            ConfiguredIdentityFiles = [.. identities.Select(f => f.Path)],
            IdentityFiles = ExpandFiles(identities.Where(f => !IsNone(f.Path)), tokens),
            IdentityFilesAreDefaults = identityDefaults,
            IdentitiesOnly = o.IdentitiesOnly ?? false,
            ConfiguredCertificateFiles = [.. o.CertificateFiles.Select(f => f.Path)],
            CertificateFiles = ExpandFiles(o.CertificateFiles, tokens),
            ProxyJump = jumpText,
            ProxyJumpHosts = jumpHosts,
            ProxyCommand = o.JumpHost is null ? o.ProxyCommand?.Value : null,
            ConnectTimeoutSeconds = o.ConnectTimeout ?? -1,
            ServerAliveInterval = o.ServerAliveInterval ?? (o.BatchMode == true ? 300 : 0),
            ServerAliveIntervalIsSet = o.ServerAliveInterval is not null,
            ServerAliveCountMax = o.ServerAliveCountMax ?? 3,
            StrictHostKeyCheckingMode = o.StrictHostKeyChecking ?? StrictHostKeyCheckingMode.Ask,
            UserKnownHostsFiles = UserKnownHosts(o, tokens),
            GlobalKnownHostsFiles = NoneMeansEmpty(o.GlobalKnownHostsFiles ?? ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"]),
            HostKeyAlias = hostKeyAlias,
            HashKnownHosts = o.HashKnownHosts ?? false,
            KexAlgorithms = Kex(o),
            BatchMode = o.BatchMode ?? false,
            UsesAgent = o.IdentityAgent is not { } agent || !IsNone(agent.Value),
            UnsupportedSettings = UnsupportedSettingsOf(o),
        };
    }

    private static List<ConfiguredFile> DefaultIdentityFiles()
    {
        var builtIn = new SourceLocation("(default)", 0);
        return [.. new[] { "id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "id_xmss", "id_dsa" }
            .Select(name => new ConfiguredFile("~/.ssh/" + name, false, builtIn))];
    }

    /// <summary>DEFAULT_CLIENT_PERCENT_EXPAND_ARGS: the tokens of IdentityFile, UserKnownHostsFile and the like.</summary>
    private ClientTokenSet ClientTokens(string hostArg, string host, int port, string user, string? hostKeyAlias)
    {
        var portText = ConfigValues.FormatInt(port);
        var localHost = _environment.LocalHostName;
        var dot = localHost.IndexOf('.', StringComparison.Ordinal);
        var tokens = new Dictionary<char, string>
        {
            ['L'] = dot >= 0 ? localHost[..dot] : localHost,
            ['k'] = hostKeyAlias ?? hostArg,
            ['l'] = localHost,
            ['n'] = hostArg,
            ['p'] = portText,
            ['d'] = _environment.HomeDirectory,
            ['h'] = host,
            ['r'] = user,
            ['u'] = _environment.LocalUser,
        };
        if (_environment.LocalUserId is { } uid)
        {
            tokens['i'] = uid;
        }

        return new ClientTokenSet(tokens, () => TokenExpander.ConnectionHash(localHost, host, portText, user));
    }

    /// <summary>
    /// The client tokens, %C (a SHA-1, through OpenSSL) computed only for a path that has a token:
    /// loading OpenSSL costs a CLI about 3 ms, and a run through the daemon needs it for nothing else.
    /// </summary>
    private sealed class ClientTokenSet(Dictionary<char, string> tokens, Func<string> connectionHash)
    {
        public IReadOnlyDictionary<char, string> For(string path)
        {
            if (path.Contains('%', StringComparison.Ordinal) && !tokens.ContainsKey('C'))
            {
                tokens['C'] = connectionHash();
            }

            return tokens;
        }
    }

    /// <summary>What ssh loads: ~, tokens and ${VARIABLES} expanded.</summary>
    private List<string> ExpandFiles(IEnumerable<ConfiguredFile> files, ClientTokenSet tokens) =>
        [.. files.Select(f => ExpandPath(f.Path, f.Source, tokens))];

    private string ExpandPath(string path, SourceLocation source, ClientTokenSet tokens)
    {
        var tilde = TokenExpander.ExpandTilde(path, _environment)
            ?? throw SshConfigException.At(source, $"{path}: no such user for ~", "Use ~/ for your own home directory, or an absolute path");
        return TokenExpander.Expand(tilde, tokens.For(tilde), _environment.GetVariable, out var error)
            ?? throw SshConfigException.At(source, $"{path}: {error}",
                "See TOKENS and ENVIRONMENT VARIABLES in ssh_config(5); write %% for a literal percent sign");
    }

    private List<string> UserKnownHosts(ConfigOptions o, ClientTokenSet tokens)
    {
        if (o.UserKnownHostsFiles is null)
        {
            var builtIn = new SourceLocation("(default)", 0);
            return [ExpandPath("~/.ssh/known_hosts", builtIn, tokens), ExpandPath("~/.ssh/known_hosts2", builtIn, tokens)];
        }

        return [.. NoneMeansEmpty(o.UserKnownHostsFiles).Select(f => ExpandPath(f, o.UserKnownHostsSource, tokens))];
    }

    private static IReadOnlyList<string> NoneMeansEmpty(List<string> files) =>
        files.Count > 0 && IsNone(files[0]) ? [] : files;

    private static IReadOnlyList<string> Kex(ConfigOptions o)
    {
        if (o.KexAlgorithms is not { } spec)
        {
            return [];
        }

        return KexAlgorithmList.Assemble(spec.Value)
            ?? throw SshConfigException.At(spec.Source, $"KexAlgorithms {spec.Value} leaves no algorithm",
                "List at least one algorithm that ssh -Q kex shows");
    }

    private static (IReadOnlyList<string> Text, IReadOnlyList<SshJumpHost> Hosts) DescribeJump(ConfigOptions o)
    {
        if (o.JumpHost is not { } jump)
        {
            return ([], []);
        }

        var last = new SshJumpHost(o.JumpUser, jump.Value, o.JumpPort > 0 ? o.JumpPort : null);
        var earlier = o.JumpExtra is null ? [] : o.JumpExtra.Split(',');
        var hosts = earlier.Select(SshJumpHost.Parse).OfType<SshJumpHost>().Append(last).ToList();
        return ([.. earlier, last.ToString()], hosts);
    }
}
