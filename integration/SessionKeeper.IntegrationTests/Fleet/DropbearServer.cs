using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// A Dropbear sshd on 127.0.0.1, run as root so that <see cref="FleetUser"/> may log in with the
/// key in its ~/.ssh/authorized_keys. Dropbear sets no XDG_STATE_HOME, so jobs live under that
/// user's ~/.local/state.
/// </summary>
public sealed class DropbearServer : IAsyncDisposable
{
    public const string DropbearPath = "/usr/sbin/dropbear";
    private const string DropbearKeyPath = "/usr/bin/dropbearkey";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly CliProcess _process;

    private DropbearServer(CliProcess process, int port, string knownHostsKey)
    {
        _process = process;
        Port = port;
        KnownHostsKey = knownHostsKey;
    }

    /// <summary>Dropbear is installed and we may run it for another user.</summary>
    public static bool IsAvailable => TestUsers.IsRoot && File.Exists(DropbearPath) && File.Exists(DropbearKeyPath);

    public int Port { get; }

    /// <summary>"ssh-ed25519 AAAA..." of the host key: the known_hosts line without its host pattern.</summary>
    public string KnownHostsKey { get; }

    /// <summary>Where a job of this server lives.</summary>
    public static string JobDir(string id) => Path.Combine(FleetUser.Home, ".local", "state", "sessionkeeper", "jobs", id);

    /// <summary>Starts Dropbear for <see cref="FleetUser"/>, who must exist already.</summary>
    public static async Task<DropbearServer> StartAsync(string tempDir, CancellationToken ct = default)
    {
        var hostKey = Path.Combine(tempDir, "dropbear_ed25519");
        File.Delete(hostKey);
        await RunAsync(DropbearKeyPath, ["-t", "ed25519", "-f", hostKey], ct);
        var printed = await RunAsync(DropbearKeyPath, ["-y", "-f", hostKey], ct);
        var knownHostsKey = string.Join(' ', printed.StdoutText.Split('\n').Single(l => l.StartsWith("ssh-ed25519 ", StringComparison.Ordinal)).Split(' ').Take(2));
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var psi = new ProcessStartInfo(DropbearPath);
            foreach (var arg in (string[])["-F", "-E", "-s", "-p", $"127.0.0.1:{port}", "-r", hostKey, "-P", Path.Combine(tempDir, "dropbear.pid")])
            {
                psi.ArgumentList.Add(arg);
            }

            var process = CliProcess.Start(psi);
            if (await WaitForBannerAsync(process, port, ct))
            {
                return new DropbearServer(process, port, knownHostsKey);
            }

            await process.DisposeAsync();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"dropbear did not start on port {port}: {process.StderrText}");
            }
        }
    }

    public async ValueTask DisposeAsync() => await _process.DisposeAsync();

    private static async Task<bool> WaitForBannerAsync(CliProcess process, int port, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Timeout && !process.HasExited)
        {
            if (await TcpBanner.TryReadAsync(new IPEndPoint(IPAddress.Loopback, port), TimeSpan.FromSeconds(2), ct) is { } banner
                && banner.StartsWith("SSH-2.0-dropbear", StringComparison.Ordinal))
            {
                return true;
            }

            await Task.Delay(Poll.DefaultInterval, ct);
        }

        return false;
    }

    private static async Task<CliResult> RunAsync(string command, string[] args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(command);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        return (await CliProcess.RunAsync(psi, Timeout, ct)).EnsureSuccess($"{command} {string.Join(' ', args)}");
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
