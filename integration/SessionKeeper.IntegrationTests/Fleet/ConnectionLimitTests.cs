using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// Forty host names (ssh_config aliases) for one server at -j 32, where the server closes excess
/// unauthenticated connections: Dropbear beyond 5 per source address, OpenSSH with MaxStartups
/// 3:100:3. Each refused connection is retried within --reconnect-budget, the handshakes to that
/// address adapt, every host ends ok and every job ran exactly once (its counter file).
/// </summary>
[Collection(FleetTests.Name)]
public sealed class ConnectionLimitTests(FleetHost host, ITestOutputHelper output)
{
    private const int Hosts = 40;

    [SkippableFact(Timeout = 300_000)]
    public async Task Forty_names_for_one_dropbear_at_j32_all_run_exactly_once()
    {
        Prerequisite.Require(host.Dropbear is not null, "Dropbear is not installed or we are not root");
        await using var lab = host.NewLab("dropbearlimit");
        var dropbear = host.Dropbear!;
        await RunFortyAsync(lab, FleetUser.Name, dropbear.Port, $"[127.0.0.1]:{dropbear.Port} {dropbear.KnownHostsKey}\n", host.Sshd.UserKeyPath, null);
    }

    [Fact(Timeout = 300_000)]
    public async Task Forty_names_for_one_sshd_with_MaxStartups_3_at_j32_all_run_exactly_once()
    {
        await using var sshd = await SshdFixture.StartAsync(new SshdOptions { ExtraConfig = "MaxStartups 3:100:3" });
        await using var lab = host.NewLab("maxstartups");
        var knownHosts = string.Concat(sshd.HostKeys.Select(k => k.KnownHostsLine($"[127.0.0.1]:{sshd.Port}") + "\n"));
        await RunFortyAsync(lab, sshd.UserName, sshd.Port, knownHosts, sshd.UserKeyPath, sshd);
    }

    private async Task RunFortyAsync(FleetLab lab, string user, int port, string knownHosts, string key, SshdFixture? sshd)
    {
        // The premise: the server really closes connections beyond its unauthenticated limit.
        var dropped = await DroppedOfAsync(port, 12);
        output.WriteLine($"{dropped} of 12 idle connections held at once got no banner");
        Assert.True(dropped >= 1, "the server accepted 12 unauthenticated connections at once: nothing here would be refused");

        var config = Path.Combine(lab.StateDir, "ssh_config");
        await File.WriteAllTextAsync(config, $"Host h*\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n");
        await File.WriteAllTextAsync(lab.KnownHostsPath, knownHosts);
        var names = Enumerable.Range(1, Hosts).Select(n => $"h{n:00}").ToList();
        string[] args =
        [
            "run", "--id", lab.BatchId, "--shell", "/bin/sh", "-F", config, "-i", key, "--known-hosts", lab.KnownHostsPath,
            "--connect-timeout", "30s", "--json", "-j", "32", .. FleetLab.Fast, "-H", string.Join(',', names),
            "--", FleetJob.Prelude(lab.CounterDir) + "echo ran $n",
        ];
        var clock = Stopwatch.StartNew();
        var result = await lab.RunAsync(args, TimeSpan.FromMinutes(4));
        var events = FleetEvent.ParseAll(result);
        output.WriteLine($"exit {result.ExitCode} after {clock.Elapsed.TotalSeconds:0.0} s");
        if (sshd is not null)
        {
            output.WriteLine($"sshd dropped {sshd.ReadLog().Split('\n').Count(l => l.Contains("past MaxStartups", StringComparison.Ordinal))} connection(s) past MaxStartups");
        }

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{string.Join('\n', events.Where(e => e.Outcome is not (null or "ok")).Select(e => e.Raw.ToString()))}\nstderr: {result.Stderr}");
        for (var n = 1; n <= Hosts; n++)
        {
            var counter = Path.Combine(lab.CounterDir, n.ToString(CultureInfo.InvariantCulture));
            var id = $"{lab.BatchId}-{n:00}";
            Assert.True(File.Exists(counter), $"{id} never ran");
            Assert.Equal([id], File.ReadAllLines(counter));
        }
    }

    /// <summary>Opens <paramref name="count"/> connections, holds them all, and counts those closed without an SSH banner.</summary>
    private static async Task<int> DroppedOfAsync(int port, int count)
    {
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            }

            var banners = await Task.WhenAll(sockets.Select(ReadLineAsync));
            return banners.Count(b => !b.StartsWith("SSH-2.0-", StringComparison.Ordinal));
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    private static async Task<string> ReadLineAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = new StringBuilder();
        var buffer = new byte[1];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 1 && buffer[0] != '\n')
            {
                line.Append((char)buffer[0]);
            }
        }
        catch (SocketException)
        {
            // Reset: no banner.
        }

        return line.ToString();
    }
}
