using System.Net;
using System.Net.Sockets;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.InfrastructureTests;

public sealed class FaultProxyTcpTests
{
    [Fact(Timeout = 60000)]
    public async Task Forwards_bytes_both_ways_and_counts_connections()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var echoLoop = EchoAsync(echo, cts.Token);
        await using var proxy = FaultProxy.Start((IPEndPoint)echo.LocalEndpoint);
        var payload = new byte[300_000];
        Random.Shared.NextBytes(payload);

        var clients = Enumerable.Range(0, 3).Select(_ => new TcpClient()).ToList();
        try
        {
            foreach (var client in clients)
            {
                await client.ConnectAsync(IPAddress.Loopback, proxy.Port, cts.Token);
            }

            await proxy.WaitForConnectionsAsync(3, cts.Token);
            var echoed = await Task.WhenAll(clients.Select(c => RoundTripAsync(c, payload, cts.Token)));

            Assert.All(echoed, e => Assert.Equal(payload, e));
            Assert.Equal(3, proxy.TotalConnections);
            Assert.Equal(3, proxy.MaxConcurrentConnections);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        await Poll.UntilAsync(() => proxy.ActiveConnections == 0, TimeSpan.FromSeconds(10), "connections to close", cts.Token);
        await cts.CancelAsync();
        await echoLoop;
    }

    [Fact(Timeout = 60000)]
    public async Task ResetAll_sends_rst_to_the_client()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var echoLoop = EchoAsync(echo, cts.Token);
        await using var proxy = FaultProxy.Start((IPEndPoint)echo.LocalEndpoint);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, proxy.Port, cts.Token);
        await proxy.WaitForConnectionsAsync(1, cts.Token);

        await Poll.UntilAsync(() => proxy.ResetAll() == 1, TimeSpan.FromSeconds(5), "the connection to be tracked", cts.Token);

        var error = await Assert.ThrowsAsync<SocketException>(
            async () => await client.Client.ReceiveAsync(new byte[1], SocketFlags.None, cts.Token));
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
        await cts.CancelAsync();
        await echoLoop;
    }

    private static async Task<byte[]> RoundTripAsync(TcpClient client, byte[] payload, CancellationToken ct)
    {
        var stream = client.GetStream();
        var send = stream.WriteAsync(payload, ct).AsTask();
        var received = new byte[payload.Length];
        await stream.ReadExactlyAsync(received, ct);
        await send;
        return received;
    }

    private static async Task EchoAsync(TcpListener listener, CancellationToken ct)
    {
        var sessions = new List<Task>();
        try
        {
            while (true)
            {
                var socket = await listener.AcceptSocketAsync(ct);
                sessions.Add(Task.Run(
                    async () =>
                    {
                        using (socket)
                        {
                            var buffer = new byte[8192];
                            try
                            {
                                int read;
                                while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
                                {
                                    await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, ct);
                                }
                            }
                            catch (Exception e) when (e is SocketException or OperationCanceledException)
                            {
                                // Client reset or test over.
                            }
                        }
                    },
                    CancellationToken.None));
            }
        }
        catch (OperationCanceledException)
        {
            await Task.WhenAll(sessions);
        }
    }
}
