using System.Net;
using System.Net.Sockets;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.InfrastructureTests;

/// <summary>The gauge shared by several proxies counts what clients hold open, no more, no less.</summary>
public sealed class ConnectionGaugeTests
{
    [Fact(Timeout = 30000)]
    public async Task Counts_connections_held_across_proxies_and_forgets_closed_ones_at_once()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var sink = new TcpListener(IPAddress.Loopback, 0);
        sink.Start();
        var accepted = new List<Socket>();
        var acceptLoop = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                accepted.Add(await sink.AcceptSocketAsync(cts.Token));
            }
        });
        var gauge = new ConnectionGauge();
        await using var a = FaultProxy.Start((IPEndPoint)sink.LocalEndpoint, gauge);
        await using var b = FaultProxy.Start((IPEndPoint)sink.LocalEndpoint, gauge);
        await using var silent = FaultProxy.Start((IPEndPoint)sink.LocalEndpoint, gauge);
        silent.BlackHole();

        using var first = await ConnectAsync(a, cts.Token);
        using var second = await ConnectAsync(b, cts.Token);
        Assert.Equal(2, gauge.MaxInUse);

        // Closed, then the next one opened at once: never seen as three.
        first.Close();
        using var third = await ConnectAsync(a, cts.Token);
        Assert.Equal(2, gauge.MaxInUse);

        // A black hole reads nothing: the FIN waits behind unread bytes, and still counts.
        using (var quiet = await ConnectAsync(silent, cts.Token))
        {
            await quiet.GetStream().WriteAsync(new byte[100], cts.Token);
            Assert.Equal(3, gauge.MaxInUse);
        }

        second.Close();
        using var fourth = await ConnectAsync(b, cts.Token);
        Assert.Equal(3, gauge.MaxInUse);
        Assert.Equal(2, gauge.InUse);
        Assert.Equal(5, gauge.Total);
        await cts.CancelAsync();
        accepted.ForEach(s => s.Dispose());
    }

    private static async Task<TcpClient> ConnectAsync(FaultProxy proxy, CancellationToken ct)
    {
        var total = proxy.TotalConnections;
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, proxy.Port, ct);
        await proxy.WaitForConnectionsAsync(total + 1, ct);
        return client;
    }
}
