using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>Maps between the command line's SSH targets and the journal's endpoints.</summary>
internal static class Endpoints
{
    public static JobEndpoint From(SshTarget target) =>
        new(target.User, target.Host, target.Port, target.IdentityFiles, target.KnownHostsFiles, target.ConnectTimeout);

    public static SshTarget ToTarget(JobEndpoint endpoint) => new()
    {
        Host = endpoint.Host,
        Port = endpoint.Port,
        User = endpoint.User,
        IdentityFiles = endpoint.IdentityFiles,
        KnownHostsFiles = endpoint.KnownHostsFiles,
        ConnectTimeout = endpoint.ConnectTimeout,
    };

    public static IRemoteConnector Connect(JobEndpoint endpoint) => new SshConnector(ToTarget(endpoint));
}
