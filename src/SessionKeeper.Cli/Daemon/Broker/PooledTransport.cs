using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh;
using SessionKeeper.Ssh.Broker;

namespace SessionKeeper.Cli.Daemon.Broker;

/// <summary>
/// The daemon's own supervision over the broker's pool: a job it follows shares the connection
/// the CLIs use, so a host sees at most the per-host limit from this machine, whoever asks. A
/// channel with no slot waits for one: nobody waits on the daemon's own supervision, and a direct
/// connection per stream (as a CLI's busy channel takes) put a burst of 250 `run -d` at 9
/// connections against a limit of 4, every one of them the daemon's. Only a host whose connections
/// are all another target's (the pool has no connection to lend) is reached over a direct
/// connection, as a CLI's would. The daemon never prompts: what needs a question fails here as in
/// BatchMode.
/// </summary>
internal sealed class PooledTransport(BrokerPool pool, SshTransport direct, Action<string, string>? log = null) : ITransport
{
    public IRemoteConnector Connector(IJobHost host) => new PooledConnector(pool, (SshTarget)direct.Restore(direct.Describe(host)), direct.Connector(host), log ?? ((_, _) => { }));

    public JobEndpoint Describe(IJobHost host) => direct.Describe(host);

    public IJobHost Restore(JobEndpoint endpoint) => direct.Restore(endpoint);

    private sealed class PooledConnector(BrokerPool pool, SshTarget target, IRemoteConnector direct, Action<string, string> log) : IRemoteConnector, IJobWatch
    {
        public string HostLabel => target.Label;

        /// <summary>
        /// Through the resident watcher of a pooled connection to the host (see <see cref="ResidentWatcher"/>);
        /// null (stream as before) when the pool lends none or it fails to connect: the stream's own
        /// connection then meets the failure and says it as it always did.
        /// </summary>
        public async Task<ReplyLine?> WatchAsync(SessionKeeper.Core.Jobs.JobId id, SessionKeeper.Core.Streaming.StreamOffsets mirrored, CancellationToken cancellationToken)
        {
            ResidentWatcher watcher;
            try
            {
                if (await pool.AcquireAsync(BrokerPool.KeyOf(target), target, SessionKeeper.Ssh.Prompts.NoUserInteraction.Instance, cancellationToken) is not { } connection)
                {
                    return null;
                }

                // Not bound while it waits: one channel watches every job, and the watcher keeps the connection from idling.
                watcher = connection.Watcher(pool.IdleTimeout, what => log(connection.Host, what));
                pool.Release(connection);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return null;
            }

            return await watcher.WatchAsync(id, mirrored, cancellationToken);
        }

        public async Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default) =>
            await pool.AcquireAsync(BrokerPool.KeyOf(target), target, SessionKeeper.Ssh.Prompts.NoUserInteraction.Instance, cancellationToken) is { } connection
                ? new PooledSession(pool, connection)
                : await direct.ConnectAsync(cancellationToken);
    }

    /// <summary>
    /// A pooled connection lent to one supervision (or, wrapped, to one brokered start): disposing
    /// it gives it back; Abort ends its own calls and probes the connection for everyone.
    /// </summary>
    internal sealed class PooledSession : IRemoteSession
    {
        private readonly BrokerPool _pool;
        private readonly PooledConnection _connection;
        private readonly IRemoteSession _session;
        private readonly CancellationTokenSource _lost;
        private int _released;

        public PooledSession(BrokerPool pool, PooledConnection connection)
        {
            _pool = pool;
            _connection = connection;
            _session = connection.Session.Result;
            _lost = CancellationTokenSource.CreateLinkedTokenSource(_session.Lost);
        }

        public string HostLabel => _session.HostLabel;

        public CancellationToken Lost => _lost.Token;

        public bool CanSendToStreams => _session.CanSendToStreams;

        public async Task<byte[]> ExecAsync(byte[] stdin, CancellationToken cancellationToken = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lost);
            await _connection.Channels.TakeExecAsync(linked.Token);
            try
            {
                return await _session.ExecAsync(stdin, linked.Token);
            }
            catch (Exception ex) when (!linked.IsCancellationRequested)
            {
                _connection.Failed(ex);
                throw;
            }
            finally
            {
                _connection.Channels.Release();
            }
        }

        public async Task<IRemoteOutput> OpenStreamAsync(byte[] stdin, CancellationToken cancellationToken = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lost);
            await _connection.Channels.TakeStreamAsync(linked.Token);
            try
            {
                return new SlotOutput(await _session.OpenStreamAsync(stdin, linked.Token), _connection.Channels);
            }
            catch (Exception ex)
            {
                _connection.Channels.Release();
                if (!linked.IsCancellationRequested)
                {
                    _connection.Failed(ex);
                }

                throw;
            }
        }

        /// <summary>
        /// This supervision's link is declared dead (its heartbeats stopped): its own calls end
        /// (they wait on <see cref="Lost"/>); the connection goes for everyone else on it only if
        /// it fails a probe of its own, as a CLI's abort does.
        /// </summary>
        public void Abort()
        {
            MarkLost();
            _ = _connection.ProbeAsync(PooledConnection.ProbeDeadline);
        }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _pool.Release(_connection);
                _lost.Dispose();
            }

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
    }

    /// <summary>A stream that gives its channel slot back when disposed.</summary>
    private sealed class SlotOutput(IRemoteOutput inner, ChannelSlots slots) : IRemoteOutput
    {
        private int _disposed;

        public Stream Output => inner.Output;

        public void Send(ReadOnlySpan<byte> bytes) => inner.Send(bytes);

        public void CloseInput() => inner.CloseInput();

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                inner.Dispose();
                slots.Release();
            }
        }
    }
}
