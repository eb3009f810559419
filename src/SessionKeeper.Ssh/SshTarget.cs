using SessionKeeper.Core.Failures;
using SessionKeeper.Ssh.Config;

namespace SessionKeeper.Ssh;

/// <summary>
/// Where and how to connect, fully resolved (command line over ssh_config over defaults): the
/// address, the jump hosts in front of it, how its host key is checked and which credentials are
/// offered. Built by <see cref="SshTargetResolver"/>; a target built by hand gets the defaults
/// below, which are those of a target without any ssh_config.
/// </summary>
public sealed record SshTarget : IJobHost
{
    /// <summary>The host name or address to connect to (HostName).</summary>
    public required string Host { get; init; }

    /// <summary>The TCP port (Port; 22 by default).</summary>
    public int Port { get; init; } = 22;

    /// <summary>The login name (User; the local user by default).</summary>
    public required string User { get; init; }

    /// <summary>Private key files, in the order they are offered (after agent keys).</summary>
    public IReadOnlyList<string> IdentityFiles { get; init; } = [];

    /// <summary>The user's known_hosts files; the first one receives keys accepted by accept-new or ask.</summary>
    public IReadOnlyList<string> KnownHostsFiles { get; init; } = [];

    /// <summary>System-wide known_hosts files: read, never written.</summary>
    public IReadOnlyList<string> GlobalKnownHostsFiles { get; init; } = [];

    /// <summary>How long a TCP connection and key exchange may take (ConnectTimeout).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>ProxyJump hops, the first one connected to first; each is resolved by its own config.</summary>
    public IReadOnlyList<SshTarget> JumpHosts { get; init; } = [];

    /// <summary>What an unknown or changed host key does (StrictHostKeyChecking).</summary>
    public StrictHostKeyCheckingMode StrictHostKeyChecking { get; init; } = StrictHostKeyCheckingMode.Yes;

    /// <summary>Record accepted keys with hashed host names (ssh_config HashKnownHosts).</summary>
    public bool HashKnownHosts { get; init; }

    /// <summary>The name to look the host key up (and record it) under, instead of host and port; lower case.</summary>
    public string? HostKeyAlias { get; init; }

    /// <summary>Offer the keys of the ssh-agent at $SSH_AUTH_SOCK.</summary>
    public bool UseAgent { get; init; }

    /// <summary>Only offer keys named by <see cref="IdentityFiles"/> (or their certificates), from the agent or the files.</summary>
    public bool IdentitiesOnly { get; init; }

    /// <summary>
    /// User certificates (ssh_config CertificateFile). When empty, <c>KEY-cert.pub</c> next to each
    /// identity file is used if present, as ssh does.
    /// </summary>
    public IReadOnlyList<string> CertificateFiles { get; init; } = [];

    /// <summary>Never prompt (passphrases, unknown host keys, passwords), as ssh's BatchMode.</summary>
    public bool BatchMode { get; init; }

    /// <summary>Also try keyboard-interactive and password authentication, after every key (--password-auth).</summary>
    public bool PasswordAuthentication { get; init; }

    /// <summary>Key exchange algorithms to offer, in order (ssh_config KexAlgorithms); empty for our default order.</summary>
    public IReadOnlyList<string> KexAlgorithms { get; init; } = [];

    /// <summary>ssh_config ServerAliveInterval in seconds when it was set; 0 when not.</summary>
    public int ServerAliveInterval { get; init; }

    /// <summary>ServerAliveCountMax: missed keepalives before the link counts as dead.</summary>
    public int ServerAliveCountMax { get; init; } = 3;

    /// <summary>How the host is named in messages: user@host or user@host:port.</summary>
    /// <summary>
    /// <paramref name="destination"/> (<c>[user@]host[:port]</c> or an alias) resolved as <c>ssh</c>
    /// resolves it: ~/.ssh/config then /etc/ssh/ssh_config, or only <paramref name="configFile"/>.
    /// </summary>
    public static SshTarget Resolve(string destination, string? configFile = null) =>
        new SshTargetResolver(new SshCommandLine { ConfigFile = configFile }).Resolve(destination);

    /// <summary>user@host, with :port when it is not 22.</summary>
    public string Label => Port == 22 ? $"{User}@{Host}" : $"{User}@{Host}:{Port}";

    /// <summary>
    /// The silence after which ssh would give up on this connection (ServerAliveInterval x
    /// ServerAliveCountMax), or null when ssh_config sets no ServerAliveInterval.
    /// </summary>
    public TimeSpan? DeadConnectionAfter =>
        ServerAliveInterval > 0 ? TimeSpan.FromSeconds((double)ServerAliveInterval * Math.Max(1, ServerAliveCountMax)) : null;

    /// <summary>Known_hosts files in lookup order: the user's, then the system's.</summary>
    public IReadOnlyList<string> AllKnownHostsFiles => [.. KnownHostsFiles, .. GlobalKnownHostsFiles];

    /// <summary>The whole route as text, e.g. <c>bastion -&gt; inner -&gt; user@host:2222</c>.</summary>
    public string Route => JumpHosts.Count == 0 ? Label : string.Join(" -> ", JumpHosts.Select(h => h.Label).Append(Label));

    /// <summary>Parses "[user@]host" the way ssh does; -l wins over nothing, user@ wins over -l.</summary>
    public static (string? User, string Host) SplitDestination(string destination)
    {
        var at = destination.LastIndexOf('@');
        var user = at > 0 ? destination[..at] : null;
        var host = at >= 0 ? destination[(at + 1)..] : destination;
        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || c is '/' or '\0') || host.StartsWith('-'))
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"invalid host '{destination}'.");
        }

        return (user, host);
    }
}
