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
    private int _aborted;

    public ProxyConnection(Socket client, Func<CancellationToken, Task> waitForPass)
    {
        _client = client;
        _waitForPass = waitForPass;
        _client.NoDelay = true;
        _upstream.NoDelay = true;
    }

    /// <summary>Forwards until both directions are closed; any error resets both sides.</summary>
    public async Task RunAsync(IPEndPoint target)
    {
        var ct = _cts.Token;
        try
        {
            await _waitForPass(ct);
            await _upstream.ConnectAsync(target, ct);
            await Task.WhenAll(GuardedPumpAsync(_client, _upstream, ct), GuardedPumpAsync(_upstream, _client, ct));
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

        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // RunAsync already finished.
        }

        SocketReset.Abort(_client);
        SocketReset.Abort(_upstream);
    }

    private static bool IsConnectionError(Exception e) =>
        e is SocketException or OperationCanceledException or ObjectDisposedException;

    /// <summary>A failing direction resets the whole connection, so the other direction cannot hang.</summary>
    private async Task GuardedPumpAsync(Socket from, Socket to, CancellationToken ct)
    {
        try
        {
            await PumpAsync(from, to, ct);
        }
        catch (Exception e) when (IsConnectionError(e))
        {
            Abort();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, CancellationToken ct)
    {
        var buffer = new byte[BufferSize];
        while (true)
        {
            await _waitForPass(ct);
            var read = await from.ReceiveAsync(buffer, SocketFlags.None, ct);
            if (read == 0)
            {
                to.Shutdown(SocketShutdown.Send);
                return;
            }

            await _waitForPass(ct);
            for (var sent = 0; sent < read;)
            {
                sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, ct);
            }
        }
    }
}
