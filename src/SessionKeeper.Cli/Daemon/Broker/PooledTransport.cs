using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Daemon.Broker;

/// <summary>
/// The daemon's own supervision over the broker's pool: a job it follows shares the connection
/// the CLIs use, so a host sees at most the per-host limit from this machine, whoever asks.
/// The daemon never prompts: what needs a question fails here as in BatchMode.
/// </summary>
internal sealed class PooledTransport(BrokerPool pool, SshTransport direct) : ITransport
{
    public IRemoteConnector Connector(IJobHost host) => new PooledConnector(pool, (SshTarget)direct.Restore(direct.Describe(host)));

    public JobEndpoint Describe(IJobHost host) => direct.Describe(host);

    public IJobHost Restore(JobEndpoint endpoint) => direct.Restore(endpoint);

    private sealed class PooledConnector(BrokerPool pool, SshTarget target) : IRemoteConnector
    {
        public string HostLabel => target.Label;

        public async Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default)
        {
            var connection = await pool.AcquireAsync(BrokerPool.KeyOf(target), target, SessionKeeper.Ssh.Prompts.NoUserInteraction.Instance, cancellationToken);
            return new PooledSession(pool, connection);
        }
    }

    /// <summary>A pooled connection lent to one supervision: disposing it gives it back, Abort kills it for everyone.</summary>
    private sealed class PooledSession(BrokerPool pool, PooledConnection connection) : IRemoteSession
    {
        private readonly IRemoteSession _session = connection.Session.Result;
        private int _released;

        public string HostLabel => _session.HostLabel;

        public CancellationToken Lost => _session.Lost;

        public bool CanSendToStreams => _session.CanSendToStreams;

        public async Task<byte[]> ExecAsync(byte[] stdin, CancellationToken cancellationToken = default)
        {
            await connection.Channels.WaitAsync(cancellationToken);
            try
            {
                return await _session.ExecAsync(stdin, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                connection.Failed(ex);
                throw;
            }
            finally
            {
                connection.Channels.Release();
            }
        }

        public async Task<IRemoteOutput> OpenStreamAsync(byte[] stdin, CancellationToken cancellationToken = default)
        {
            await connection.Channels.WaitAsync(cancellationToken);
            try
            {
                return new SlotOutput(await _session.OpenStreamAsync(stdin, cancellationToken), connection.Channels);
            }
            catch (Exception ex)
            {
                connection.Channels.Release();
                if (!cancellationToken.IsCancellationRequested)
                {
                    connection.Failed(ex);
                }

                throw;
            }
        }

        public void Abort() => _session.Abort();

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                pool.Release(connection);
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A stream that gives its channel slot back when disposed.</summary>
    private sealed class SlotOutput(IRemoteOutput inner, SemaphoreSlim slots) : IRemoteOutput
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
