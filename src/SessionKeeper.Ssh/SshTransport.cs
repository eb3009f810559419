using Microsoft.Extensions.Logging;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh.Config;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Ssh;

/// <summary>
/// SSH as the keeper's transport: connects to <see cref="SshTarget"/>s, and records each in the
/// journal with everything resolved at launch (jump hosts, host-key policy, agent, certificates),
/// so a reconnection from another process goes the same way even if ssh_config changed meanwhile.
/// </summary>
public sealed class SshTransport : ITransport
{
    /// <summary>The transport with no prompts: questions (host keys, passphrases) fail as in BatchMode.</summary>
    public static readonly SshTransport Default = new();

    /// <summary>Where each connection logs its steps at Debug level (host key accepted, keys offered, algorithms); null for nowhere.</summary>
    public ILoggerFactory? Logs { get; init; }

    /// <summary>
    /// Notes for the user (a host key added to known_hosts, a key skipped and why) are not said,
    /// as under `ssh -q`; prompts (passphrases, host-key questions) still reach the terminal.
    /// </summary>
    internal bool Quiet { get; init; }

    /// <inheritdoc/>
    public IRemoteConnector Connector(IJobHost host) => new SshConnector(Target(host), Logs, Interaction());

    /// <inheritdoc/>
    public JobEndpoint Describe(IJobHost host) => From(Target(host));

    /// <inheritdoc/>
    public IJobHost Restore(JobEndpoint endpoint) => ToTarget(endpoint);

    /// <summary>Connects to a journaled endpoint.</summary>
    public IRemoteConnector Connector(JobEndpoint endpoint) => new SshConnector(ToTarget(endpoint), Logs, Interaction());

    /// <summary>The journal's record of a target.</summary>
    public static JobEndpoint Describe(SshTarget target) => From(target);

    private static JobEndpoint From(SshTarget target) =>
        new(target.User, target.Host, target.Port, target.IdentityFiles, target.KnownHostsFiles, target.ConnectTimeout)
        {
            Settings = new EndpointSettings
            {
                JumpHosts = [.. target.JumpHosts.Select(From)],
                GlobalKnownHostsFiles = target.GlobalKnownHostsFiles,
                StrictHostKeyChecking = target.StrictHostKeyChecking switch
                {
                    StrictHostKeyCheckingMode.AcceptNew => "accept-new",
                    StrictHostKeyCheckingMode.Ask => "ask",
                    StrictHostKeyCheckingMode.No => "no",
                    _ => "yes",
                },
                HashKnownHosts = target.HashKnownHosts,
                HostKeyAlias = target.HostKeyAlias,
                UseAgent = target.UseAgent,
                IdentitiesOnly = target.IdentitiesOnly,
                CertificateFiles = target.CertificateFiles,
                BatchMode = target.BatchMode,
                PasswordAuthentication = target.PasswordAuthentication,
                KexAlgorithms = target.KexAlgorithms,
                ServerAliveInterval = target.ServerAliveInterval,
                ServerAliveCountMax = target.ServerAliveCountMax,
            },
        };

    /// <summary>The target again; an endpoint journaled before schema 3 (no settings) gets the defaults it was launched with.</summary>
    public static SshTarget ToTarget(JobEndpoint endpoint)
    {
        var target = new SshTarget
        {
            Host = endpoint.Host,
            Port = endpoint.Port,
            User = endpoint.User,
            IdentityFiles = endpoint.IdentityFiles,
            KnownHostsFiles = endpoint.KnownHostsFiles,
            ConnectTimeout = endpoint.ConnectTimeout,
        };
        if (endpoint.Settings is not { } s)
        {
            return target;
        }

        return target with
        {
            JumpHosts = [.. s.JumpHosts.Select(ToTarget)],
            GlobalKnownHostsFiles = s.GlobalKnownHostsFiles,
            StrictHostKeyChecking = s.StrictHostKeyChecking switch
            {
                "accept-new" => StrictHostKeyCheckingMode.AcceptNew,
                "ask" => StrictHostKeyCheckingMode.Ask,
                "no" => StrictHostKeyCheckingMode.No,
                _ => StrictHostKeyCheckingMode.Yes,
            },
            HashKnownHosts = s.HashKnownHosts,
            HostKeyAlias = s.HostKeyAlias,
            UseAgent = s.UseAgent,
            IdentitiesOnly = s.IdentitiesOnly,
            CertificateFiles = s.CertificateFiles,
            BatchMode = s.BatchMode,
            PasswordAuthentication = s.PasswordAuthentication,
            KexAlgorithms = s.KexAlgorithms,
            ServerAliveInterval = s.ServerAliveInterval,
            ServerAliveCountMax = s.ServerAliveCountMax,
        };
    }

    /// <summary>The terminal (or SSH_ASKPASS) for prompts; its notes go to stderr unless quiet.</summary>
    private TerminalInteraction? Interaction() => Quiet ? new TerminalInteraction(notes: TextWriter.Null) : null;

    private static SshTarget Target(IJobHost host) => host as SshTarget
        ?? throw new ArgumentException($"the SSH transport reaches SshTarget hosts, not {host.GetType().Name}.", nameof(host));
}
