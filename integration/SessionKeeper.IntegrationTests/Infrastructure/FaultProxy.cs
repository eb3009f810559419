using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>
/// In-process TCP proxy on 127.0.0.1:0 with switchable faults (see <see cref="FaultMode"/>).
/// Fully async: no thread per connection. Disposing resets every connection.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, (ProxyConnection Connection, Task Run)> _connections = new();
    private readonly ChangeNotifier _accepted = new();
    private readonly Lock _modeGate = new();
    private readonly Task _acceptLoop;
    private readonly ConnectionGauge? _gauge;
    private TaskCompletionSource _pass = CompletedGate();
    private FaultMode _mode;
    private long _nextId;
    private int _active;
    private int _total;
    private int _maxConcurrent;
    private int _refused;
    private ProxyCut? _nextCut;
    private ProxyConnection? _lastCut;

    private FaultProxy(IPEndPoint target, ConnectionGauge? gauge)
    {
        Target = target;
        _gauge = gauge;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(backlog: 512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint Target { get; }

    public string Host => "127.0.0.1";

    public int Port { get; }

    /// <summary>Live forwarded connections.</summary>
    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>Connections accepted for forwarding since start (refused ones not counted).</summary>
    public int TotalConnections => Volatile.Read(ref _total);

    public int MaxConcurrentConnections => Volatile.Read(ref _maxConcurrent);

    /// <summary>Connections reset on arrival in <see cref="FaultMode.Refuse"/>.</summary>
    public int RefusedConnections => Volatile.Read(ref _refused);

    /// <summary>Settable at any time; takes effect on live connections at once.</summary>
    public FaultMode Mode
    {
        get
        {
            lock (_modeGate)
            {
                return _mode;
            }
        }

        set
        {
            lock (_modeGate)
            {
                if (value == FaultMode.BlackHole && _mode != FaultMode.BlackHole)
                {
                    _pass = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                else if (value != FaultMode.BlackHole)
                {
                    _pass.TrySetResult();
                }

                _mode = value;
            }
        }
    }

    /// <param name="gauge">Shared by several proxies to count the connections in use across all of them.</param>
    public static FaultProxy Start(int targetPort, ConnectionGauge? gauge = null) => Start(new IPEndPoint(IPAddress.Loopback, targetPort), gauge);

    public static FaultProxy Start(IPEndPoint target, ConnectionGauge? gauge = null) => new(target, gauge);

    public void BlackHole() => Mode = FaultMode.BlackHole;

    public void Refuse() => Mode = FaultMode.Refuse;

    /// <summary>Back to <see cref="FaultMode.Pass"/>; black-holed connections resume with nothing lost.</summary>
    public void Resume() => Mode = FaultMode.Pass;

    /// <summary>
    /// The next connection accepted is cut as <paramref name="cut"/> says; the ones after it pass
    /// (unless the mode says otherwise). See <see cref="CutConnection"/> for what it carried.
    /// </summary>
    public void CutNextConnection(ProxyCut cut)
    {
        lock (_modeGate)
        {
            _nextCut = cut;
            _lastCut = null;
        }
    }

    /// <summary>The connection that took the last <see cref="CutNextConnection"/> (null before one arrived).</summary>
    public ProxyConnectionView? CutConnection
    {
        get
        {
            lock (_modeGate)
            {
                return _lastCut is { } c ? new ProxyConnectionView(c) : null;
            }
        }
    }

    /// <summary>The most recent connection accepted, for its <see cref="ProxyConnectionView.Trace"/>.</summary>
    public ProxyConnectionView? LastConnection { get; private set; }

    /// <summary>Aborts every live connection with RST on both sides; returns how many. The mode is unchanged.</summary>
    public int ResetAll()
    {
        var count = 0;
        foreach (var (_, entry) in _connections)
        {
            entry.Connection.Abort();
            count++;
        }

        return count;
    }

    /// <summary>Completes when <see cref="TotalConnections"/> reaches <paramref name="total"/>.</summary>
    public Task WaitForConnectionsAsync(int total, CancellationToken ct) =>
        _accepted.WaitUntilAsync(() => TotalConnections >= total, ct);

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        ResetAll();
        Resume();
        await Task.WhenAll(_connections.Values.Select(c => c.Run));
        _listener.Dispose();
        _stopping.Dispose();
    }

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    private Task WaitForPassAsync(CancellationToken ct)
    {
        Task gate;
        lock (_modeGate)
        {
            gate = _pass.Task;
        }

        return gate.IsCompleted ? Task.CompletedTask : gate.WaitAsync(ct);
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException
                || (e is SocketException && _stopping.IsCancellationRequested))
            {
                return;
            }

            if (Mode == FaultMode.Refuse)
            {
                Interlocked.Increment(ref _refused);
                SocketReset.Abort(client);
                continue;
            }

            ProxyCut? cut;
            lock (_modeGate)
            {
                (cut, _nextCut) = (_nextCut, null);
            }

            var connection = new ProxyConnection(client, WaitForPassAsync, cut);
            if (cut is not null)
            {
                lock (_modeGate)
                {
                    _lastCut = connection;
                }
            }

            LastConnection = new ProxyConnectionView(connection);
            Track(connection, client);
        }
    }

    private void Track(ProxyConnection connection, Socket client)
    {
        _gauge?.Opened(client, Port);
        var id = Interlocked.Increment(ref _nextId);
        var active = Interlocked.Increment(ref _active);
        InterlockedMax(ref _maxConcurrent, active);
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = Task.Run(async () =>
        {
            await registered.Task;
            try
            {
                await connection.RunAsync(Target);
            }
            finally
            {
                _connections.TryRemove(id, out _);
                Interlocked.Decrement(ref _active);
                _gauge?.Closed(client);
            }
        });
        _connections[id] = (connection, run);
        registered.SetResult();
        Interlocked.Increment(ref _total);
        _accepted.Notify();
    }

    private static void InterlockedMax(ref int location, int value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

/// <summary>What a test may see of one proxied connection.</summary>
public sealed class ProxyConnectionView
{
    private readonly ProxyConnection _connection;

    internal ProxyConnectionView(ProxyConnection connection) => _connection = connection;

    public IReadOnlyList<ProxyChunk> Trace => _connection.Trace;

    public bool WasCut => _connection.WasCut;
}
