using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh;
using SessionKeeper.Ssh.Config;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>Maps between the command line's SSH targets and the journal's endpoints, jump hosts included.</summary>
internal static class Endpoints
{
    public static JobEndpoint From(SshTarget target) =>
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

    public static IRemoteConnector Connect(JobEndpoint endpoint) => new SshConnector(ToTarget(endpoint));
}
