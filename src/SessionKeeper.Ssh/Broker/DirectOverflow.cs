using SessionKeeper.Core.Remote;

namespace SessionKeeper.Ssh.Broker;

/// <summary>
/// The connection of its own a brokered session falls back to when the daemon has no room for one
/// of its channels, as an OpenSSH client whose master's session is refused connects by itself:
/// opened on the first such channel, kept for the rest of the session's overflow, closed with it.
/// Its loss is the session's (<paramref name="lost"/>), so the caller reconnects as for any loss.
/// </summary>
internal sealed class DirectOverflow(IRemoteConnector direct, Action lost) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IRemoteSession? _session;
    private CancellationTokenRegistration _onLost;
    private int _disposed;

    /// <summary>The direct session, connected on first use.</summary>
    public async Task<IRemoteSession> SessionAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _session) is { } open)
        {
            return open;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_session is null)
            {
                var session = await direct.ConnectAsync(cancellationToken);
                _onLost = session.Lost.Register(lost);
                Volatile.Write(ref _session, session);
            }

            return _session;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Abort() => Volatile.Read(ref _session)?.Abort();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _gate.WaitAsync();
        try
        {
            await _onLost.DisposeAsync();
            if (_session is { } session)
            {
                await session.DisposeAsync();
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>The daemon said <see cref="BrokerFrameType.Busy"/>: do it over a connection of our own.</summary>
internal sealed class BrokerBusyException() : Exception("the daemon's connections to the host have no room.");
