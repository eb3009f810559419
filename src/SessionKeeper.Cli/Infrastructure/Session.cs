using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>Opens a connection for a verb and bounds each control round trip.</summary>
internal static class Session
{
    /// <summary>A control verb never hangs on a dead link longer than this (kill adds its grace).</summary>
    public static readonly TimeSpan ControlTimeout = JobKeeper.DefaultControlTimeout;

    public static async Task<IRemoteSession> OpenAsync(SshTarget target, CancellationToken cancellationToken) =>
        await new SshConnector(target).ConnectAsync(cancellationToken);

    public static Task<T> WithTimeoutAsync<T>(string host, TimeSpan timeout, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        JobKeeper.WithTimeoutAsync(host, timeout, call, cancellationToken);
}
