using System.Text;
using SessionKeeper.Core.Remote;
using SessionKeeper.IntegrationTests.Infrastructure;
using SessionKeeper.Ssh;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>
/// Streams that end while the client still writes to them and closes them, many at once on one
/// connection, as the daemon's shared connection carries them: the connection survives all of
/// them. OpenSSH ends the whole connection when a channel's data or EOF comes after the channel's
/// CLOSE ("ieof packet referred to nonexistent channel"), which SSH.NET could send when its
/// "is the channel open" check raced the server's CLOSE.
/// </summary>
public sealed class ChannelCloseRaceTests(PlainSshdLab lab, ITestOutputHelper output) : IClassFixture<PlainSshdLab>
{
    private const int Workers = 8;
    private const int StreamsPerWorker = 25;

    [Fact(Timeout = 300_000)]
    public async Task Streams_that_end_while_the_client_writes_and_closes_them_never_cost_the_connection()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var target = SshTarget.Resolve("box", lab.WriteBoxConfig());
        await using var session = await SshTransport.Default.Connector(target).ConnectAsync(cts.Token);
        var payload = Encoding.ASCII.GetBytes("echo x\nexit 0\n");

        var ended = 0;
        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(
            async () =>
            {
                for (var k = 0; k < StreamsPerWorker && !session.Lost.IsCancellationRequested; k++)
                {
                    using var stream = await session.OpenStreamAsync(payload, cts.Token);
                    var first = new byte[1];
                    Assert.Equal(1, await stream.Output.ReadAsync(first, cts.Token));
                    Assert.Equal((byte)'x', first[0]);

                    // The command is ending: write to it (as a credit line would), then close its input, then drop it.
                    var reader = DrainAsync(stream.Output, cts.Token);
                    while (!reader.IsCompleted && !session.Lost.IsCancellationRequested)
                    {
                        stream.Send("c\n"u8);
                        await Task.Yield();
                    }

                    stream.CloseInput();
                    await reader;
                    Interlocked.Increment(ref ended);
                }
            },
            cts.Token)).ToList();

        await Task.WhenAll(workers);

        output.WriteLine($"{ended} streams ended; the connection lost: {session.Lost.IsCancellationRequested}");
        Assert.False(session.Lost.IsCancellationRequested, $"the connection was lost after {ended} streams; sshd's log: {Tail(lab.Sshd.ReadLog())}");
        Assert.Equal(Workers * StreamsPerWorker, ended);
        Assert.DoesNotContain("nonexistent channel", lab.Sshd.ReadLog(), StringComparison.Ordinal);
    }

    private static async Task DrainAsync(Stream output, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (await output.ReadAsync(buffer, cancellationToken) > 0)
        {
        }
    }

    private static string Tail(string log) => log.Length > 2000 ? log[^2000..] : log;
}
