using System.Globalization;
using System.Security.Cryptography;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// One throwaway sshd for the Supervision collection (or for one class outside it), the real CLI,
/// and the paths of what jobs leave on the target. Streams go straight to sshd or through a
/// <see cref="FaultProxy"/>.
/// </summary>
public sealed class SupervisionHost : IAsyncLifetime
{
    /// <summary>Fast liveness and reconnection, so that recovery takes a second, not a minute.</summary>
    public static readonly string[] Fast = ["--heartbeat", "200ms", "--dead-after", "1s", "--max-backoff", "300ms"];

    private readonly Dictionary<int, string> _knownHosts = [];
    private SshdFixture? _sshd;

    public SshdFixture Sshd => _sshd ?? throw new InvalidOperationException("sshd is not started.");

    public CliRunner Cli { get; } = CliRunner.ForSessionKeeper();

    public string Destination => $"{Sshd.UserName}@{Sshd.Host}";

    public async Task InitializeAsync() => _sshd = await SshdFixture.StartAsync();

    public async Task DisposeAsync()
    {
        if (_sshd is not null)
        {
            await _sshd.DisposeAsync();
        }
    }

    /// <summary>A fresh local state directory: its own journal and mirrors.</summary>
    public Workstation NewWorkstation(string name) => new(this, Path.Combine(Sshd.TempDir, $"ws-{name}-{Guid.NewGuid().ToString("N")[..8]}"));

    /// <summary>-p, -i, --known-hosts and --connect-timeout for sshd itself, or for <paramref name="proxy"/> in front of it.</summary>
    public string[] ConnectionOptions(FaultProxy? proxy = null)
    {
        var port = proxy?.Port ?? Sshd.Port;
        string knownHosts;
        lock (_knownHosts)
        {
            if (!_knownHosts.TryGetValue(port, out knownHosts!))
            {
                knownHosts = proxy is null ? Sshd.KnownHostsPath : Sshd.CreateKnownHostsFile(port);
                _knownHosts[port] = knownHosts;
            }
        }

        return ["-p", port.ToString(CultureInfo.InvariantCulture), "-i", Sshd.UserKeyPath, "--known-hosts", knownHosts, "--connect-timeout", "15s"];
    }

    /// <summary>`run [connection] --id ID --shell /bin/sh [options] HOST -- COMMAND`.</summary>
    public string[] RunArguments(string id, string command, string[]? options = null, FaultProxy? proxy = null) =>
        ["run", .. ConnectionOptions(proxy), "--id", id, "--shell", "/bin/sh", .. options ?? [], Destination, "--", command];

    public string JobDir(string id) => Path.Combine(Sshd.RemoteStateDir, "sessionkeeper", "jobs", id);

    public string RemoteLog(string id) => Path.Combine(JobDir(id), "out");

    /// <summary>A file under the fixture's temp dir for a job to write to or wait for.</summary>
    public string TempFile(string name) => Path.Combine(Sshd.TempDir, name);

    public static string NewJobId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
