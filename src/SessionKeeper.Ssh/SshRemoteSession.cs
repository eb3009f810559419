using Renci.SshNet;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Ssh;

/// <summary>
/// One SSH.NET connection to the target, and the connections to its jump hosts that carry it.
/// Every command gets the session's "lost" token, because disposing a client does not complete
/// pending commands (docs/GROUND.md, "SSH.NET"); an error on any link loses the whole session, and disposing
/// it closes every link, target first. Nothing is disposed inside SSH.NET's ErrorOccurred handler,
/// which would deadlock.
/// </summary>
internal sealed class SshRemoteSession : IRemoteSession
{
    private readonly SshClient _client;
    private readonly IReadOnlyList<SshClient> _links;
    private readonly CancellationTokenSource _lost = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    /// <param name="links">The connections, first jump host first, the target last.</param>
    /// <param name="label">The target, as messages name it.</param>
    public SshRemoteSession(IReadOnlyList<SshClient> links, string label)
    {
        _links = links;
        _client = links[^1];
        HostLabel = label;
        foreach (var link in links)
        {
            link.ErrorOccurred += (_, _) => ThreadPool.QueueUserWorkItem(_ => MarkLost());
        }
    }

    public string HostLabel { get; }

    public CancellationToken Lost => _lost.Token;

    /// <summary>
    /// Whether every link still says it is connected. A connection kept for reuse (the daemon's
    /// broker) checks it too: SSH.NET can end a session without raising ErrorOccurred.
    /// </summary>
    internal bool IsConnected => Volatile.Read(ref _disposed) == 0 && !_lost.IsCancellationRequested && _links.All(l => l.IsConnected);

    public async Task<byte[]> ExecAsync(byte[] stdin, CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lost);
        var command = _client.CreateCommand(RunnerRequest.RemoteCommand);
        try
        {
            var execution = await StartAsync(command, stdin, keepInputOpen: false, linked.Token);
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
            var execution = await StartAsync(command, stdin, keepInputOpen: true, linked.Token);
            _ = execution.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            return new CommandOutput(command);
        }
        catch (Exception ex) when (ex is not SessionKeeperException)
        {
            DisposeQuietly(command);
            throw Translate(ex, cancellationToken);
        }
    }

    public bool CanSendToStreams => true;

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

    /// <summary>
    /// Ends when every link's socket is closed, whoever closed them. A dispose returns at once when
    /// an <see cref="Abort"/>'s close is still under way (a CLI must not wait on a socket a black
    /// hole keeps), but the daemon opens the next connection to a host only once the last one is
    /// gone, and an aborted connection's dispose would have told it so too early.
    /// </summary>
    internal Task Closed => _closed.Task;

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
            for (var i = _links.Count - 1; i >= 0; i--)
            {
                try
                {
                    _links[i].Dispose();
                }
                catch (Exception)
                {
                    // A client on a dead socket may throw while saying goodbye; it is gone either way.
                }
            }

            _closed.TrySetResult();
        }
    }

    /// <summary>
    /// Opening a channel and sending the exec request block the caller in SSH.NET, so they run on
    /// the pool under our token; the payload follows on stdin, then EOF unless the input is kept
    /// open. Both go through <see cref="ChannelSends"/>, never SSH.NET's input stream, whose EOF
    /// can follow the channel's CLOSE.
    /// </summary>
    private static async Task<Task> StartAsync(SshCommand command, byte[] stdin, bool keepInputOpen, CancellationToken cancellationToken)
    {
        var start = Task.Factory.StartNew(
            () =>
            {
                var execution = command.ExecuteAsync(cancellationToken);
                if (ChannelSends.Data(command, stdin) && !keepInputOpen)
                {
                    ChannelSends.Eof(command);
                }

                return execution;
            },
            CancellationToken.None,
            TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default);
        return await start.WaitAsync(cancellationToken);
    }

    private SessionKeeperException Translate(Exception ex, CancellationToken callerToken) =>
        Failure(ex, callerToken.IsCancellationRequested, Lost.IsCancellationRequested, HostLabel);

    /// <summary>
    /// What a failed command on this connected session means: an interruption by the caller, else
    /// a lost link, whatever SSH.NET or the socket said. The socket's own error (a reset, a broken
    /// pipe while the launch request is still being written) may come before SSH.NET has reported
    /// the session lost: it is a lost link all the same, never "cannot connect".
    /// </summary>
    internal static SessionKeeperException Failure(Exception ex, bool interrupted, bool lost, string label)
    {
        if (ex is OperationCanceledException && interrupted)
        {
            return new SessionKeeperException(FailureKind.ConnectionLost, "interrupted.", ex);
        }

        return lost || ex is OperationCanceledException
            ? new SessionKeeperException(FailureKind.ConnectionLost, $"the connection to {label} was lost.", ex)
            : SshFailures.Established(ex, label);
    }

    /// <summary>Closes the channel (SSH.NET sends EOF and CLOSE under one lock, EOF only while the server has not closed) and releases the command.</summary>
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
        /// <summary>One send at a time: <see cref="ChannelSends"/> relies on it.</summary>
        private readonly Lock _sending = new();

        public Stream Output => command.OutputStream;

        public void Send(ReadOnlySpan<byte> bytes)
        {
            try
            {
                lock (_sending)
                {
                    // On a closed channel the bytes are dropped, as SSH.NET drops them.
                    ChannelSends.Data(command, bytes.ToArray());
                }
            }
            catch (Exception ex) when (ex is not IOException and not ObjectDisposedException)
            {
                // SSH.NET reports a dead channel in its own exception types.
                throw new IOException($"cannot write to the stream: {ex.Message}", ex);
            }
        }

        public void CloseInput()
        {
            try
            {
                lock (_sending)
                {
                    ChannelSends.Eof(command);
                }
            }
            catch (Exception ex) when (ex is not IOException and not ObjectDisposedException)
            {
                throw new IOException($"cannot close the stream's input: {ex.Message}", ex);
            }
        }

        public void Dispose()
        {
            // Unblock a reader at once, then let the channel close in the background.
            command.OutputStream.Dispose();
            _ = Task.Run(() => DisposeQuietly(command));
        }
    }
}
