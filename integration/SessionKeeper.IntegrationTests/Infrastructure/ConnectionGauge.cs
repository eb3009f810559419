using System.Net.Sockets;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>
/// Counts the connections that clients hold open across any number of <see cref="FaultProxy"/>
/// instances (one per simulated host), exactly at the only moments the count can rise: each new
/// connection. A connection counts as in use until its client closes or resets it, read from the
/// kernel's socket state rather than from the proxy's own bookkeeping, which lags behind: a client
/// that closes one connection and at once opens another is never seen holding both.
/// </summary>
public sealed class ConnectionGauge
{
    private readonly Lock _gate = new();
    private readonly HashSet<Socket> _open = [];
    private int _max;
    private int _total;

    /// <summary>The most connections clients held open at once.</summary>
    public int MaxInUse
    {
        get
        {
            lock (_gate)
            {
                return _max;
            }
        }
    }

    /// <summary>Connections accepted for forwarding by every proxy of this gauge.</summary>
    public int Total => Volatile.Read(ref _total);

    /// <summary>Connections whose client has not closed them, now.</summary>
    public int InUse
    {
        get
        {
            lock (_gate)
            {
                _open.RemoveWhere(ClosedByClient);
                return _open.Count;
            }
        }
    }

    internal void Opened(Socket client)
    {
        Interlocked.Increment(ref _total);
        lock (_gate)
        {
            _open.RemoveWhere(ClosedByClient);
            _open.Add(client);
            _max = Math.Max(_max, _open.Count);
        }
    }

    internal void Closed(Socket client)
    {
        lock (_gate)
        {
            _open.Remove(client);
        }
    }

    /// <summary>Readable with nothing to read: the peer sent FIN or RST (or the proxy disposed it).</summary>
    private static bool ClosedByClient(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            return true;
        }
    }
}
