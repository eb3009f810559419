using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// One throwaway sshd per test class and the real CLI as a child process with a local state
/// directory of its own. Streams can go straight to sshd or through a <see cref="FaultProxy"/>
/// (with a known_hosts file for the proxy's port).
/// </summary>
public sealed class StreamHost : IAsyncLifetime
{
    private readonly Dictionary<int, string> _knownHosts = [];
    private SshdFixture? _sshd;

    public SshdFixture Sshd => _sshd ?? throw new InvalidOperationException("sshd is not started.");

    public CliRunner Cli { get; } = CliRunner.ForSessionKeeper();

    /// <summary>The CLI's local state (mirrors), below the fixture's temp dir.</summary>
    public string LocalStateDir => Path.Combine(Sshd.TempDir, "local-state");

    public string Destination => $"{Sshd.UserName}@{Sshd.Host}";

    public async Task InitializeAsync()
    {
        // As root, log in as a user whose login shell is dash: every stream helper starts through the
        // login shell, and the tests' timings should not depend on the developer's ~/.bashrc (one
        // with `pyenv init` made each exec take 0.3 s to several seconds here).
        var user = SshdFixture.IsRoot ? await TestUsers.EnsureUserWithShellAsync("/bin/dash") : null;
        _sshd = await SshdFixture.StartAsync(new SshdOptions { UserName = user });
        Directory.CreateDirectory(LocalStateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Cli.BaseEnvironment["SESSIONKEEPER_STATE_DIR"] = LocalStateDir;
    }

    public async Task DisposeAsync()
    {
        if (_sshd is not null)
        {
            await _sshd.DisposeAsync();
        }
    }

    /// <summary>-p, -i and --known-hosts for sshd itself, or for <paramref name="proxy"/> in front of it.</summary>
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

        return ["-p", port.ToString(CultureInfo.InvariantCulture), "-i", Sshd.UserKeyPath, "--known-hosts", knownHosts, "--connect-timeout", "5s"];
    }

    /// <summary>`sessionkeeper VERB [connection options] [options] user@127.0.0.1 [arguments]`.</summary>
    public string[] Arguments(string verb, string[] arguments, string[]? options = null, FaultProxy? proxy = null) =>
        [verb, .. ConnectionOptions(proxy), .. options ?? [], Destination, .. arguments];

    public CliProcess Start(string verb, string[] arguments, string[]? options = null, FaultProxy? proxy = null) =>
        Cli.Start(Arguments(verb, arguments, options, proxy));

    /// <summary>
    /// Starts the CLI with stdout going to <paramref name="stdoutPath"/> (through `exec`, so the
    /// pid is the CLI's own): for outputs too large to hold in the test process.
    /// </summary>
    public CliProcess StartToFile(string stdoutPath, string verb, string[] arguments, string[]? options = null, FaultProxy? proxy = null) =>
        StartRedirected("exec \"$@\" >\"$f\"", stdoutPath, verb, arguments, options, proxy);

    /// <summary>Starts the CLI with its stdin read from <paramref name="stdinPath"/> (through `exec`, so the pid is the CLI's own).</summary>
    public CliProcess StartWithStdin(string stdinPath, string verb, string[] arguments, string[]? options = null, FaultProxy? proxy = null) =>
        StartRedirected("exec \"$@\" <\"$f\"", stdinPath, verb, arguments, options, proxy);

    /// <summary>The CLI through `sh -c 'f=$1; shift; EXEC'`: <paramref name="exec"/> redirects one stream to or from file $f.</summary>
    private CliProcess StartRedirected(string exec, string file, string verb, string[] arguments, string[]? options, FaultProxy? proxy) =>
        StartRedirected(Cli.CreateStartInfo(Arguments(verb, arguments, options, proxy)), exec, file);

    /// <summary><paramref name="inner"/> through `sh -c 'f=$1; shift; EXEC'`: <paramref name="exec"/> redirects one stream to or from file $f.</summary>
    public static CliProcess StartRedirected(ProcessStartInfo inner, string exec, string file)
    {
        var psi = new ProcessStartInfo("/bin/sh");
        foreach (var arg in (string[])["-c", "f=$1; shift; " + exec, "sh", file, inner.FileName, .. inner.ArgumentList])
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in inner.Environment)
        {
            psi.Environment[name] = value;
        }

        return CliProcess.Start(psi);
    }

    public Task<CliResult> RunAsync(string verb, string[] arguments, string[]? options = null, FaultProxy? proxy = null, TimeSpan? timeout = null) =>
        Cli.RunAsync(Arguments(verb, arguments, options, proxy), timeout: timeout);

    /// <summary>
    /// `run --detach --id ID --shell /bin/sh HOST -- COMMAND`, through <paramref name="proxy"/> when
    /// given: the journal knows a job by the endpoint it was launched through, so later verbs use the same.
    /// </summary>
    public async Task<string> LaunchAsync(string command, FaultProxy? proxy = null, string? id = null)
    {
        id ??= NewJobId();
        var result = await RunAsync("run", ["--", command], ["--detach", "--id", id, "--shell", "/bin/sh"], proxy);
        Assert.True(result.ExitCode == 0, $"run --detach failed: {result}");
        return id;
    }

    /// <summary>Stops a job that a test left running (best effort).</summary>
    public async Task KillQuietlyAsync(string id)
    {
        try
        {
            await RunAsync("kill", [id], ["--grace", "1s"]);
        }
        catch (TimeoutException)
        {
            // The fixture kills every process started through it anyway.
        }
    }

    public string JobDir(string id) => Path.Combine(Sshd.RemoteStateDir, "sessionkeeper", "jobs", id);

    public string RemoteLog(string id) => Path.Combine(JobDir(id), "out");

    /// <summary>The local copy of a job's log, wherever the CLI keeps it below the state directory.</summary>
    public string? FindMirror(string id) =>
        Directory.EnumerateFiles(LocalStateDir, id + ".out", SearchOption.AllDirectories).FirstOrDefault();

    public string Mirror(string id) => FindMirror(id) ?? throw new FileNotFoundException($"no local mirror of {id} below {LocalStateDir}");

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Sha256File(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string NewJobId(string prefix = "s") => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>The newest live, running (not stopped) sshd session process not in <paramref name="exclude"/>.</summary>
    public SshdConnectionProcess? NewestSession(IReadOnlySet<int> exclude) =>
        Sshd.SessionProcesses()
            .Where(p => !p.IsStopped && !exclude.Contains(p.Pid))
            .OrderByDescending(p => p.StartTime)
            .ThenByDescending(p => p.Pid)
            .FirstOrDefault();
}
