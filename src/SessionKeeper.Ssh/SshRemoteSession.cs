using Renci.SshNet;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Ssh;

/// <summary>
/// One SSH.NET connection. Every command gets the connection's "lost" token, because disposing the
/// client does not complete pending commands (ENGINEERING.md 8); nothing is disposed inside
/// SSH.NET's ErrorOccurred handler, which would deadlock.
/// </summary>
internal sealed class SshRemoteSession : IRemoteSession
{
    private readonly SshClient _client;
    private readonly CancellationTokenSource _lost = new();
    private int _disposed;

    public SshRemoteSession(SshClient client, string label)
    {
        _client = client;
        HostLabel = label;
        _client.ErrorOccurred += (_, _) => ThreadPool.QueueUserWorkItem(_ => MarkLost());
    }

    public string HostLabel { get; }

    public CancellationToken Lost => _lost.Token;

    public async Task<byte[]> ExecAsync(byte[] stdin, CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lost);
        var command = _client.CreateCommand(RunnerRequest.RemoteCommand);
        try
        {
            var execution = await StartAsync(command, stdin, linked.Token);
            await execution.WaitAsync(linked.Token);
            using var buffer = new MemoryStream();
            await command.OutputStream.CopyToAsync(buffer, linked.Token);
            return buffer.ToArray();
        }
        catch (Exception ex) when (ex is not SessionKeeperException)
        {
            throw Translate(ex, cancellationToken);
        }
        finally
        {
            DisposeQuietly(command);
        }
    }

    public async Task<IRemoteOutput> OpenStreamAsync(byte[] stdin, CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lost);
        var command = _client.CreateCommand(RunnerRequest.RemoteCommand);
        try
        {
            var execution = await StartAsync(command, stdin, linked.Token);
            _ = execution.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            return new CommandOutput(command);
        }
        catch (Exception ex) when (ex is not SessionKeeperException)
        {
            DisposeQuietly(command);
            throw Translate(ex, cancellationToken);
        }
    }

    public void Abort()
    {
        MarkLost();
        _ = Task.Run(() => DisposeClient());
    }

    public ValueTask DisposeAsync()
    {
        MarkLost();
        DisposeClient();
        _lost.Dispose();
        return ValueTask.CompletedTask;
    }

    private void MarkLost()
    {
        try
        {
            _lost.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void DisposeClient()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                _client.Dispose();
            }
            catch (Exception)
            {
                // A client on a dead socket may throw while saying goodbye; it is gone either way.
            }
        }
    }

    /// <summary>
    /// Opening a channel and sending the exec request block the caller in SSH.NET, so they run on
    /// the pool under our token; the payload follows on stdin, then EOF.
    /// </summary>
    private static async Task<Task> StartAsync(SshCommand command, byte[] stdin, CancellationToken cancellationToken)
    {
        var start = Task.Factory.StartNew(
            () =>
            {
                var execution = command.ExecuteAsync(cancellationToken);
                using (var input = command.CreateInputStream())
                {
                    input.Write(stdin);
                }

                return execution;
            },
            CancellationToken.None,
            TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default);
        return await start.WaitAsync(cancellationToken);
    }

    private SessionKeeperException Translate(Exception ex, CancellationToken callerToken)
    {
        if (ex is OperationCanceledException && callerToken.IsCancellationRequested)
        {
            return new SessionKeeperException(FailureKind.ConnectionLost, "interrupted.", ex);
        }

        return Lost.IsCancellationRequested || ex is OperationCanceledException
            ? new SessionKeeperException(FailureKind.ConnectionLost, $"the connection to {HostLabel} was lost.", ex)
            : SshFailures.Classify(ex, HostLabel);
    }

    private static void DisposeQuietly(SshCommand command)
    {
        try
        {
            command.OutputStream.Dispose();
            command.Dispose();
        }
        catch (Exception)
        {
            // Disposing a command on a dead connection may fail; nothing is left to release.
        }
    }

    private sealed class CommandOutput(SshCommand command) : IRemoteOutput
    {
        public Stream Output => command.OutputStream;

        public void Dispose()
        {
            // Unblock a reader at once, then let the channel close in the background.
            command.OutputStream.Dispose();
            _ = Task.Run(() => DisposeQuietly(command));
        }
    }
}
