using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>Opens a connection for a verb and bounds each control round trip.</summary>
internal static class Session
{
    /// <summary>A control verb never hangs on a dead link longer than this (kill adds its grace).</summary>
    public static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(30);

    public static async Task<IRemoteSession> OpenAsync(SshTarget target, CancellationToken cancellationToken) =>
        await new SshConnector(target).ConnectAsync(cancellationToken);

    public static async Task<T> WithTimeoutAsync<T>(string host, TimeSpan timeout, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await call(deadline.Token);
        }
        catch (Exception ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested
            && ex is OperationCanceledException or Core.Failures.SessionKeeperException)
        {
            throw new Core.Failures.SessionKeeperException(
                Core.Failures.FailureKind.ConnectionLost,
                $"{host} did not answer within {timeout.TotalSeconds:0} s; the connection looks dead.",
                ex);
        }
    }
}
