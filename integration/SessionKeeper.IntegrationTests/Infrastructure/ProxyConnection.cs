using System.Net;
using System.Net.Sockets;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>One client connection of a <see cref="FaultProxy"/> and its upstream socket.</summary>
internal sealed class ProxyConnection : IDisposable
{
    private const int BufferSize = 64 * 1024;
    private readonly Socket _client;
    private readonly Socket _upstream = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _cts = new();
    private readonly Func<CancellationToken, Task> _waitForPass;
    private readonly ProxyCut? _cut;
    private readonly List<ProxyChunk> _trace = [];
    private readonly long[] _forwarded = new long[2];
    private volatile bool _holding;
    private int _aborted;

    public ProxyConnection(Socket client, Func<CancellationToken, Task> waitForPass, ProxyCut? cut = null)
    {
        _client = client;
        _waitForPass = waitForPass;
        _cut = cut;
        _client.NoDelay = true;
        _upstream.NoDelay = true;
    }

    /// <summary>Every chunk forwarded so far, in the order the proxy forwarded them.</summary>
    public IReadOnlyList<ProxyChunk> Trace
    {
        get
        {
            lock (_trace)
            {
                return [.. _trace];
            }
        }
    }

    /// <summary>Whether this connection's cut has happened.</summary>
    public bool WasCut { get; private set; }

    /// <summary>Forwards until both directions are closed; any error resets both sides.</summary>
    public async Task RunAsync(IPEndPoint target)
    {
        var ct = _cts.Token;
        try
        {
            await _waitForPass(ct);
            await _upstream.ConnectAsync(target, ct);
            await Task.WhenAll(GuardedPumpAsync(_client, _upstream, ProxyDirection.ClientToServer, ct), GuardedPumpAsync(_upstream, _client, ProxyDirection.ServerToClient, ct));
        }
        catch (Exception e) when (IsConnectionError(e))
        {
            Abort();
        }
        finally
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _upstream.Dispose();
        _cts.Dispose();
    }

    /// <summary>Resets both sockets (RST to client and upstream). Idempotent.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 1)
        {
            return;
        }

        // The sockets first: cancelling first let RunAsync's finally close the client socket
        // gracefully (a FIN, not a RST) before the linger-0 reset was set.
        SocketReset.Abort(_client);
        SocketReset.Abort(_upstream);
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // RunAsync already finished.
        }
    }

    private static bool IsConnectionError(Exception e) =>
        e is SocketException or OperationCanceledException or ObjectDisposedException;

    /// <summary>A failing direction resets the whole connection, so the other direction cannot hang.</summary>
    private async Task GuardedPumpAsync(Socket from, Socket to, ProxyDirection direction, CancellationToken ct)
    {
        try
        {
            await PumpAsync(from, to, direction, ct);
        }
        catch (Exception e) when (IsConnectionError(e))
        {
            Abort();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, ProxyDirection direction, CancellationToken ct)
    {
        var buffer = new byte[BufferSize];
        while (true)
        {
            await _waitForPass(ct);
            var read = await from.ReceiveAsync(buffer, SocketFlags.None, ct);
            await HoldIfCutAsync(ct);
            if (read == 0)
            {
                to.Shutdown(SocketShutdown.Send);
                return;
            }

            var forward = read;
            var cutNow = false;
            if (_cut is { } cut && cut.Direction == direction && _forwarded[(int)direction] + read > cut.Bytes)
            {
                forward = (int)(cut.Bytes - _forwarded[(int)direction]);
                cutNow = true;
            }

            await _waitForPass(ct);
            for (var sent = 0; sent < forward;)
            {
                sent += await to.SendAsync(buffer.AsMemory(sent, forward - sent), SocketFlags.None, ct);
            }

            lock (_trace)
            {
                if (forward > 0)
                {
                    _trace.Add(new ProxyChunk(direction, _forwarded[(int)direction], forward));
                }

                _forwarded[(int)direction] += forward;
            }

            if (cutNow)
            {
                WasCut = true;
                if (_cut!.Kind == CutKind.Reset)
                {
                    Abort();
                    return;
                }

                _holding = true;
                await HoldIfCutAsync(ct);
            }
        }
    }

    /// <summary>A black-holed connection forwards nothing more, in either direction, until it is aborted.</summary>
    private async Task HoldIfCutAsync(CancellationToken ct)
    {
        if (_holding)
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
    }
}
