using SessionKeeper.Core.Failures;
using SessionKeeper.Ssh.Config;

namespace SessionKeeper.Ssh;

/// <summary>
/// Turns a destination and the ssh-like command line into an <see cref="SshTarget"/>, resolving
/// ssh_config the way ssh does, jump hosts included: each hop is resolved by the config files alone
/// (-F is passed on, -o, -i and --known-hosts are not), with the user and port its ProxyJump entry
/// names and the hops before it as its own ProxyJump, exactly as ssh runs
/// <c>ssh -l USER -p PORT -J EARLIER -F FILE -W host:port HOP</c> for ProxyJump.
/// </summary>
internal sealed class SshTargetResolver(SshCommandLine commandLine, SshConfigEnvironment? environment = null)
{
    /// <summary>More hops than this is a ProxyJump loop through the config files.</summary>
    public const int MaxJumpHosts = 8;

    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The destination's resolved ssh_config, what <c>ssh -G</c> would print.</summary>
    /// <exception cref="SessionKeeperException">InvalidInput: the config or an option is invalid.</exception>
    public ResolvedHostConfig ResolveConfig(string destination)
    {
        var (user, host, port) = Parse(destination);
        return Guard(() => SshConfigResolver.Create(commandLine.ConfigFile, commandLine.ConfigOverrides(), environment)
            .Resolve(host, user ?? commandLine.LoginName, commandLine.Port ?? port));
    }

    /// <summary>
    /// The destination as ssh reads it: an <c>ssh://[user@]host[:port]</c> URI, else <c>[user@]host</c>
    /// split at the last '@'; and, as in a fleet's host list, <c>[addr]:port</c>. -p wins over the port given here.
    /// </summary>
    internal static (string? User, string Host, int? Port) Parse(string destination)
    {
        switch (Config.DestinationParser.ParseSshUri(destination, out var uri))
        {
            case 0:
                return (uri.User, uri.Host, uri.Port > 0 ? uri.Port : null);
            case < 0:
                throw new SessionKeeperException(FailureKind.InvalidInput, $"invalid ssh:// destination '{destination}': expected ssh://[user@]host[:port].");
        }

        var (user, host) = SshTarget.SplitDestination(destination);
        var close = host.IndexOf(']', StringComparison.Ordinal);
        if (host.StartsWith('[') && close > 0 && close < host.Length - 1 && host[close + 1] == ':' && System.Net.IPAddress.TryParse(host[1..close], out _))
        {
            var port = Config.ConfigValues.A2Port(host[(close + 2)..]);
            return port > 0
                ? (user, host[1..close], port)
                : throw new SessionKeeperException(FailureKind.InvalidInput, $"invalid port in '{destination}'.");
        }

        return (user, host, null);
    }

    /// <summary>Resolves the destination and its jump hosts, refusing settings SessionKeeper cannot honour.</summary>
    /// <exception cref="SessionKeeperException">InvalidInput: invalid input, or an unsupported setting in effect.</exception>
    public SshTarget Resolve(string destination)
    {
        if (commandLine.Port is { } port && port is < 1 or > 65535)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"invalid port {port}.");
        }

        var config = ResolveConfig(destination);
        var target = Build(config, commandLine.ConnectTimeout) with { PasswordAuthentication = commandLine.PasswordAuthentication };
        return target with { JumpHosts = ResolveChain(config, 0) };
    }

    /// <summary>The target for one resolved config, without its jump hosts.</summary>
    public static SshTarget Build(ResolvedHostConfig config, TimeSpan? connectTimeout = null)
    {
        if (config.UnsupportedSettings.Count > 0)
        {
            throw new SessionKeeperException(
                FailureKind.InvalidInput,
                $"ssh_config for {config.OriginalHost} uses {string.Join(", ", config.UnsupportedSettings)}, which SessionKeeper does not support; " +
                "it changes how or where ssh connects, so SessionKeeper will not connect without it. Remove it for this host (ProxyJump replaces a ProxyCommand of ssh -W).");
        }

        return new SshTarget
        {
            Host = config.HostName,
            Port = config.Port,
            User = config.User,
            IdentityFiles = config.IdentityFilesAreDefaults ? [.. config.IdentityFiles.Where(File.Exists)] : config.IdentityFiles,
            KnownHostsFiles = config.UserKnownHostsFiles,
            GlobalKnownHostsFiles = config.GlobalKnownHostsFiles,
            ConnectTimeout = connectTimeout ?? config.ConnectTimeout ?? DefaultConnectTimeout,
            StrictHostKeyChecking = config.StrictHostKeyCheckingMode,
            HashKnownHosts = config.HashKnownHosts,
            HostKeyAlias = config.HostKeyAlias,
            UseAgent = config.UsesAgent,
            IdentitiesOnly = config.IdentitiesOnly,
            CertificateFiles = config.CertificateFiles,
            BatchMode = config.BatchMode,
            KexAlgorithms = config.KexAlgorithms,
            ServerAliveInterval = config.ServerAliveIntervalIsSet ? config.ServerAliveInterval : 0,
            ServerAliveCountMax = config.ServerAliveCountMax,
        };
    }

    /// <summary>The hops in front of a host, first hop first, each resolved as ssh resolves it.</summary>
    private List<SshTarget> ResolveChain(ResolvedHostConfig config, int depth)
    {
        if (config.ProxyJumpHosts.Count == 0)
        {
            return [];
        }

        if (depth + config.ProxyJumpHosts.Count > MaxJumpHosts)
        {
            throw new SessionKeeperException(
                FailureKind.InvalidInput,
                $"ProxyJump for {config.OriginalHost} leads through more than {MaxJumpHosts} jump hosts; the config files probably make the hops jump through each other.");
        }

        var last = config.ProxyJumpHosts[^1];
        var earlier = config.ProxyJump.Count > 1 ? string.Join(',', config.ProxyJump.Take(config.ProxyJump.Count - 1)) : null;
        var hopConfig = Guard(() => SshConfigResolver.Create(commandLine.ConfigFile, earlier is null ? [] : ["ProxyJump=" + earlier], environment)
            .Resolve(last.Host, last.User, last.Port));
        var hop = Build(hopConfig);
        return [.. ResolveChain(hopConfig, depth + 1), hop];
    }

    private static T Guard<T>(Func<T> resolve)
    {
        try
        {
            return resolve();
        }
        catch (SshConfigException ex)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, ex.Message.TrimEnd('.') + ".", ex);
        }
        catch (ArgumentException ex)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, ex.Message, ex);
        }
    }
}
