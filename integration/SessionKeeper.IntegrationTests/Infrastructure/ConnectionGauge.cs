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
    private readonly Dictionary<Socket, int> _open = [];
    private IReadOnlyList<int> _peakPorts = [];
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

    /// <summary>The proxy ports of the connections in use when <see cref="MaxInUse"/> was first reached.</summary>
    public IReadOnlyList<int> PeakPorts
    {
        get
        {
            lock (_gate)
            {
                return _peakPorts;
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
                Prune();
                return _open.Count;
            }
        }
    }

    internal void Opened(Socket client, int proxyPort)
    {
        Interlocked.Increment(ref _total);
        lock (_gate)
        {
            Prune();
            _open[client] = proxyPort;
            if (_open.Count > _max)
            {
                _max = _open.Count;
                _peakPorts = [.. _open.Values.Order()];
            }
        }
    }

    internal void Closed(Socket client)
    {
        lock (_gate)
        {
            _open.Remove(client);
        }
    }

    private void Prune()
    {
        foreach (var closed in _open.Keys.Where(ClosedByClient).ToList())
        {
            _open.Remove(closed);
        }
    }

    /// <summary>
    /// The peer sent FIN (CLOSE_WAIT) or RST (CLOSE), read from TCP_INFO: a FIN queued behind
    /// data the proxy has not read (a black hole reads nothing) still counts as closed.
    /// </summary>
    private static bool ClosedByClient(Socket socket)
    {
        const int IpProtoTcp = 6;
        const int TcpInfo = 11;
        const byte Established = 1;
        Span<byte> info = stackalloc byte[8];
        try
        {
            return socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info) < 1
                ? socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0
                : info[0] != Established;
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            return true;
        }
    }
}
