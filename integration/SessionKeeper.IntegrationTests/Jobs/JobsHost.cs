using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// One throwaway sshd per test class plus the real CLI, run as a child process with a local state
/// directory of its own. Every CLI call gets the fixture's port, user key and known_hosts.
/// </summary>
public class JobsHost : IAsyncLifetime
{
    /// <summary>Set to 1 to run every class on a <see cref="JobsHost"/> with a daemon brokering its CLIs' connections.</summary>
    public const string BrokerVariable = "SK_TEST_BROKER";

    private readonly Lazy<Task<string>> _finishedJob;
    private SshdFixture? _sshd;
    private CliProcess? _daemon;

    public JobsHost()
    {
        _finishedJob = new(LaunchAndWaitAsync);
    }

    public SshdFixture Sshd => _sshd ?? throw new InvalidOperationException("sshd is not started.");

    /// <summary>How this host's sshd is configured; null for the fixture's defaults.</summary>
    protected virtual SshdOptions? SshdOptions => null;

    public CliRunner Cli { get; protected set; } = CliRunner.ForSessionKeeper();

    /// <summary>
    /// Whether a daemon runs on the state directory, so that every CLI call goes through its broker
    /// socket: the same tests, the same assertions, in the other mode (SK_TEST_BROKER=1).
    /// </summary>
    protected virtual bool Brokered => Environment.GetEnvironmentVariable(BrokerVariable) == "1";

    /// <summary>Whether this host's CLIs go through a daemon's broker (<see cref="Brokered"/>).</summary>
    public bool IsBrokered => Brokered;

    /// <summary>
    /// The daemon's options when <see cref="Brokered"/>: a poll long enough that its own
    /// supervision never picks up the tests' jobs (its journal is empty at its start), so the only
    /// difference from direct mode is the transport, and a test comparing the state directories
    /// before and after a request sees no supervisor's writes (mirrors, stream helpers).
    /// </summary>
    protected virtual string[] DaemonOptions => ["--poll", "1h"];

    /// <summary>The daemon's stderr (its log) so far; empty when not brokered.</summary>
    public string DaemonLog => _daemon?.StderrText ?? string.Empty;

    /// <summary>The daemon's broker socket.</summary>
    public string BrokerSocket => Path.Combine(LocalStateDir, "broker.sock");

    /// <summary>The CLI's local state (mirrors), below the fixture's temp dir.</summary>
    public string LocalStateDir => Path.Combine(Sshd.TempDir, "local-state");

    /// <summary>Where the runner keeps job directories (XDG_STATE_HOME is set by sshd's SetEnv).</summary>
    public string RemoteJobsDir => Path.Combine(Sshd.RemoteStateDir, "sessionkeeper", "jobs");

    public virtual async Task InitializeAsync()
    {
        _sshd = await SshdFixture.StartAsync(SshdOptions);
        Directory.CreateDirectory(LocalStateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Cli.BaseEnvironment["SESSIONKEEPER_STATE_DIR"] = LocalStateDir;
        if (Brokered)
        {
            await StartDaemonAsync();
        }
    }

    /// <summary>Starts `daemon` on the state directory and waits until its broker socket is in place.</summary>
    public async Task StartDaemonAsync()
    {
        _daemon = Cli.Start(["daemon", "--broker", .. DaemonOptions]);
        await Poll.UntilAsync(
            () => File.Exists(BrokerSocket) || _daemon.HasExited,
            TimeSpan.FromSeconds(60),
            "the daemon's broker socket");
        Assert.False(_daemon.HasExited, $"the daemon exited: {_daemon.StderrText}");
    }

    /// <summary>Stops the daemon (SIGKILL when <paramref name="kill"/>, else SIGTERM and its exit).</summary>
    public async Task StopDaemonAsync(bool kill = false)
    {
        if (_daemon is null)
        {
            return;
        }

        if (kill)
        {
            _daemon.Kill();
        }
        else
        {
            _daemon.Signal(15);
        }

        await _daemon.WaitForExitAsync();
        await _daemon.DisposeAsync();
        _daemon = null;
    }

    public virtual async Task DisposeAsync()
    {
        await StopDaemonAsync();
        if (_sshd is not null)
        {
            await _sshd.DisposeAsync();
        }
    }

    public string Destination(string? user = null) => $"{user ?? Sshd.UserName}@{Sshd.Host}";

    /// <summary>-p, -i and --known-hosts for this sshd.</summary>
    public string[] ConnectionOptions(string? knownHosts = null) =>
    [
        "-p", Sshd.Port.ToString(CultureInfo.InvariantCulture),
        "-i", Sshd.UserKeyPath,
        "--known-hosts", knownHosts ?? Sshd.KnownHostsPath,
        "--connect-timeout", "15s",
    ];

    /// <summary>`sessionkeeper VERB [connection options] [options] user@127.0.0.1 [arguments]`.</summary>
    public Task<CliResult> RunAsync(string verb, string[] arguments, string[]? options = null, string? user = null, TimeSpan? timeout = null) =>
        Cli.RunAsync(Arguments(verb, arguments, options, user), timeout: timeout);

    public CliProcess Start(string verb, string[] arguments, string[]? options = null, string? user = null, bool keepStdin = false) =>
        Cli.Start(Arguments(verb, arguments, options, user), keepStdin: keepStdin);

    public string[] Arguments(string verb, string[] arguments, string[]? options = null, string? user = null) =>
        [verb, .. ConnectionOptions(), .. options ?? [], Destination(user), .. arguments];

    /// <summary>`run --detach --id ID --shell SHELL HOST -- COMMAND`; returns the id it printed.</summary>
    public async Task<string> LaunchAsync(string command, string? user = null, string? shell = "/bin/sh", string? id = null)
    {
        id ??= NewJobId();
        string[] options = shell is null ? ["--detach", "--id", id] : ["--detach", "--id", id, "--shell", shell];
        var result = await RunAsync("run", ["--", command], options, user);
        Assert.True(result.ExitCode == 0, $"run --detach failed: {result}");
        Assert.True(result.StdoutText == id + "\n", $"run --detach printed no id {id}: {result}");
        return id;
    }

    /// <summary>A job that has exited 0 (launched once per fixture): something for a bad request to hit.</summary>
    public Task<string> FinishedJobAsync() => _finishedJob.Value;

    /// <summary>`status --json`; with <paramref name="refresh"/>, asked of the target even when the journal recorded the job's end.</summary>
    public async Task<JobStatusJson> StatusAsync(string id, string? user = null, bool refresh = false)
    {
        var result = await RunAsync("status", [id], refresh ? ["--json", "--refresh"] : ["--json"], user);
        Assert.True(result.ExitCode == 0, $"status --json failed: {result}");
        return JobStatusJson.Parse(result.StdoutText);
    }

    private async Task<string> LaunchAndWaitAsync()
    {
        var id = await LaunchAsync("echo finished");
        var wait = await RunAsync("wait", [id]);
        Assert.True(wait.ExitCode == 0, wait.ToString());
        return id;
    }

    public string JobDir(string id) => Path.Combine(RemoteJobsDir, id);

    /// <summary>The identity the job recorded for itself: (pid, start time), from either layout's files.</summary>
    public (int Pid, long StartTime) RecordedIdentity(string id) => JobDirFiles.Identity(JobDir(id));

    /// <summary>Unique, valid, and recognisable in `ps` output.</summary>
    public static string NewJobId(string prefix = "t") => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 64)];
}

/// <summary>
/// A <see cref="JobsHost"/> whose sshd logs at DEBUG: only there does sshd log every userauth
/// request (at VERBOSE a refused or abandoned attempt can go unlogged), so a test can prove that
/// none was made.
/// </summary>
public sealed class DebugLogJobsHost : JobsHost
{
    protected override SshdOptions SshdOptions { get; } = new() { ExtraConfig = "LogLevel DEBUG" };
}

/// <summary>A <see cref="JobsHost"/> whose CLIs always go through a daemon's broker, whatever SK_TEST_BROKER says.</summary>
public sealed class BrokeredJobsHost : JobsHost
{
    protected override bool Brokered => true;
}
