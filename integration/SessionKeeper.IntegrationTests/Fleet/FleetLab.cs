using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// One test's fleet: hosts (each its own port, mostly a <see cref="FaultProxy"/> sharing one
/// <see cref="ConnectionGauge"/>), one known_hosts file for all of them, a counter directory the
/// jobs write to, a local state directory (journal and mirrors) and a batch id of its own.
/// </summary>
public sealed class FleetLab : IAsyncDisposable
{
    /// <summary>Fast liveness and reconnection, so that recovery takes a second, not a minute.</summary>
    public static readonly string[] Fast = ["--heartbeat", "200ms", "--dead-after", "1s", "--max-backoff", "300ms"];

    /// <summary>
    /// A refusing or silent host is retried this long before it is unreachable (the default is
    /// 5 minutes); long enough for a link cut mid-run and resumed to come back.
    /// </summary>
    public static readonly string[] ShortBudget = ["--reconnect-budget", "8s"];

    private readonly FleetHost _host;
    private readonly List<TargetHost> _targets = [];
    private readonly StringBuilder _knownHosts = new();
    private readonly List<ClosedPort> _closedPorts = [];

    public FleetLab(FleetHost host, string name)
    {
        _host = host;
        BatchId = $"{new string(name.Where(char.IsAsciiLetterLower).ToArray())}{RandomNumberGenerator.GetHexString(6, lowercase: true)}";
        StateDir = Path.Combine(host.Sshd.TempDir, $"ws-{BatchId}");
        CounterDir = Path.Combine(host.Sshd.TempDir, $"counters-{BatchId}");
        KnownHostsPath = Path.Combine(host.Sshd.TempDir, $"known_hosts-{BatchId}");
        Directory.CreateDirectory(StateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(CounterDir);
        Modes.Set(CounterDir, Modes.Dir1777);
        File.WriteAllText(KnownHostsPath, "");
    }

    /// <summary>The batch id given to `run --id`: lower-case letters and digits, no dash.</summary>
    public string BatchId { get; }

    public string StateDir { get; }

    public string CounterDir { get; }

    public string KnownHostsPath { get; }

    public ConnectionGauge Gauge { get; } = new();

    public IReadOnlyList<TargetHost> Targets => _targets;

    /// <summary>
    /// -i, --known-hosts and --connect-timeout for every host of the lab: short (3 s) only in a lab
    /// with a silent host, the one kind whose outcome the timeout decides; otherwise a minute, so a
    /// live sshd slow to answer on a loaded machine is never taken for an unreachable one (all
    /// three of a `batch kill`'s good hosts once missed 3 s at once beside other tests).
    /// </summary>
    public string[] ConnectionOptions =>
        ["-i", _host.Sshd.UserKeyPath, "--known-hosts", KnownHostsPath, "--connect-timeout", _targets.Exists(t => t.Kind == TargetKind.Silent) ? "3s" : "60s"];

    public TargetHost Add(TargetKind kind)
    {
        var number = _targets.Count + 1;
        var sshd = _host.Sshd;
        TargetHost target;
        switch (kind)
        {
            case TargetKind.ClosedPort:
                var closed = new ClosedPort();
                _closedPorts.Add(closed);
                target = new TargetHost(number, kind, FleetUser.Name, closed.Port, null, sshd.RemoteStateDir);
                break;
            case TargetKind.Dropbear:
                var dropbear = _host.Dropbear ?? throw new InvalidOperationException("Dropbear is not available.");
                var toDropbear = FaultProxy.Start(dropbear.Port, Gauge);
                target = new TargetHost(number, kind, FleetUser.Name, toDropbear.Port, toDropbear, sshd.RemoteStateDir);
                _knownHosts.Append($"[127.0.0.1]:{target.Port} {dropbear.KnownHostsKey}\n");
                break;
            default:
                var upstream = kind == TargetKind.AuthRefused ? _host.LockedSshd : sshd;
                var proxy = FaultProxy.Start(upstream.Port, Gauge);
                proxy.Mode = kind switch
                {
                    TargetKind.Refusing => FaultMode.Refuse,
                    TargetKind.Silent => FaultMode.BlackHole,
                    _ => FaultMode.Pass,
                };
                target = new TargetHost(number, kind, FleetUser.Name, proxy.Port, proxy, sshd.RemoteStateDir);
                var recorded = kind is TargetKind.AuthRefused or TargetKind.HostKeyChanged ? _host.LockedSshd : sshd;
                foreach (var key in recorded.HostKeys)
                {
                    _knownHosts.Append(key.KnownHostsLine($"[127.0.0.1]:{proxy.Port}")).Append('\n');
                }

                break;
        }

        File.WriteAllText(KnownHostsPath, _knownHosts.ToString());
        _targets.Add(target);
        return target;
    }

    public IReadOnlyList<TargetHost> Add(TargetKind kind, int count) => [.. Enumerable.Range(0, count).Select(_ => Add(kind))];

    /// <summary>
    /// An ssh_config of aliases <c>h1</c> ... <c>hN</c>, as a user would write it: every alias names
    /// the same sshd directly (HostName 127.0.0.1, its port, the fleet user), so they can only be
    /// told apart by their names; the sshd's host keys go into known_hosts. Many hosts, cheaply:
    /// no proxy per host. Returns the options that use it (<c>-F FILE</c>).
    /// </summary>
    public string[] Aliases(int count, string prefix = "h")
    {
        var sshd = _host.Sshd;
        foreach (var key in sshd.HostKeys)
        {
            _knownHosts.Append(key.KnownHostsLine($"[127.0.0.1]:{sshd.Port}")).Append('\n');
        }

        File.WriteAllText(KnownHostsPath, _knownHosts.ToString());
        var path = Path.Combine(StateDir, "ssh_config");
        File.WriteAllText(path, string.Concat(Enumerable.Range(1, count).Select(n =>
            $"Host {prefix}{n}\n    HostName 127.0.0.1\n    Port {sshd.Port}\n    User {FleetUser.Name}\n")));
        return ["-F", path];
    }

    /// <summary>Where <see cref="Aliases"/> lead: user@127.0.0.1:port of the sshd.</summary>
    public string AliasTarget => $"{FleetUser.Name}@127.0.0.1:{_host.Sshd.Port}";

    /// <summary>Comma-separated labels: one -H argument.</summary>
    public static string HostList(IEnumerable<TargetHost> targets) => string.Join(',', targets.Select(t => t.Label));

    /// <summary>A host file (one per line, with comments and blank lines), as "@path".</summary>
    public string HostFile(IEnumerable<TargetHost> targets)
    {
        var path = Path.Combine(StateDir, "hosts.txt");
        File.WriteAllText(path, $"# hosts of batch {BatchId}\n\n" + string.Concat(targets.Select(t => $"{t.Label}   # {t.Kind}\n")));
        return "@" + path;
    }

    /// <summary>`run --id BATCH --shell /bin/sh [connection] [options] -H spec... -- command`.</summary>
    public string[] RunArguments(string command, string[] options, params string[] hostSpecs) =>
        ["run", "--id", BatchId, "--shell", "/bin/sh", .. ConnectionOptions, .. options, .. hostSpecs.SelectMany(s => new[] { "-H", s }), "--", command];

    public string JobId(TargetHost target, int? total = null)
    {
        var width = (total ?? _targets.Count).ToString(CultureInfo.InvariantCulture).Length;
        return $"{BatchId}-{target.Number.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')}";
    }

    public CliProcess Start(string[] args, bool keepStdin = false) => _host.Cli.Start(args, Environment(), keepStdin);

    public Task<CliResult> RunAsync(string[] args, TimeSpan? timeout = null) => _host.Cli.RunAsync(args, Environment(), timeout);

    /// <summary>Starts the CLI with its stdout going to a file (for outputs too big to hold in the test).</summary>
    public CliProcess StartToFile(string stdoutPath, string[] args)
    {
        var inner = _host.Cli.CreateStartInfo(args, Environment());
        var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh");
        foreach (var arg in (string[])["-c", "out=$1; shift; exec \"$@\" >\"$out\"", "sh", stdoutPath, inner.FileName, .. inner.ArgumentList])
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in inner.Environment)
        {
            psi.Environment[name] = value;
        }

        return CliProcess.Start(psi);
    }

    /// <summary>The job ids that ran on a host, one per run (its counter file).</summary>
    public IReadOnlyList<string> Runs(TargetHost target)
    {
        var path = Path.Combine(CounterDir, target.Number.ToString(CultureInfo.InvariantCulture));
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    public byte[] RemoteLog(TargetHost target, string jobId) => File.ReadAllBytes(Path.Combine(target.JobDir(jobId), "out"));

    /// <summary>The local mirror of a job (there must be exactly one).</summary>
    public byte[] Mirror(string jobId) =>
        File.ReadAllBytes(Assert.Single(Directory.EnumerateFiles(Path.Combine(StateDir, "mirrors"), jobId + ".out", SearchOption.AllDirectories)));

    /// <summary>`jobs --json`, this batch only.</summary>
    public async Task<IReadOnlyList<JournalRow>> JournalAsync()
    {
        var result = await RunAsync(["jobs", "--json"]);
        Assert.True(result.ExitCode == 0, $"jobs --json: {result}");
        using var document = JsonDocument.Parse(result.StdoutText);
        return [.. document.RootElement.EnumerateArray()
            .Select(e => new JournalRow(
                e.GetProperty("id").GetString()!,
                e.GetProperty("host").GetString()!,
                e.GetProperty("phase").GetString()!,
                e.GetProperty("state").GetString()!,
                e.GetProperty("exit_code").ValueKind == JsonValueKind.Number ? e.GetProperty("exit_code").GetInt32() : null))
            .Where(r => r.Id.StartsWith(BatchId + "-", StringComparison.Ordinal))];
    }

    /// <summary>`batch status BATCH`: host label to state.</summary>
    public async Task<Dictionary<string, string>> BatchStatusAsync()
    {
        var result = await RunAsync(["batch", "status", BatchId]);
        Assert.True(result.ExitCode == 0, $"batch status: {result}");
        return result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(f => f[0], f => f[1]);
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public async ValueTask DisposeAsync()
    {
        foreach (var closed in _closedPorts)
        {
            closed.Dispose();
        }

        foreach (var target in _targets)
        {
            if (target.Proxy is not null)
            {
                await target.Proxy.DisposeAsync();
            }

            // Dropbear's user keeps its jobs in its home: leave nothing behind there.
            if (target.Kind == TargetKind.Dropbear && Path.GetDirectoryName(target.JobDir(BatchId)) is { } jobs && Directory.Exists(jobs))
            {
                foreach (var dir in Directory.EnumerateDirectories(jobs, BatchId + "-*"))
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }
    }

    private Dictionary<string, string?> Environment() => new() { ["SESSIONKEEPER_STATE_DIR"] = StateDir };

}

/// <summary>One job of `jobs --json`.</summary>
public sealed record JournalRow(string Id, string Host, string Phase, string State, int? ExitCode);
