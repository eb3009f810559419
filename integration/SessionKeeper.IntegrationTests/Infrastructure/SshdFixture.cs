using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>
/// A real OpenSSH sshd on 127.0.0.1 with throwaway host and user keys, all in a temp dir under
/// /tmp. Works as root (any local user may log in with <see cref="UserKeyPath"/>) and as an
/// ordinary user (then only that user). Sessions get XDG_STATE_HOME=<see cref="RemoteStateDir"/>.
/// Disposing kills the listener, every process below it and every process started through it.
/// </summary>
public sealed partial class SshdFixture : IAsyncDisposable
{
    public const string SshdPath = "/usr/sbin/sshd";

    /// <summary>Set (via sshd SetEnv) in every session to <see cref="TempDir"/>; used to find leftovers.</summary>
    public const string MarkerVariable = "SK_TEST_SSHD";

    private const int PortAttempts = 5;
    private readonly SshdOptions _options;
    private CliProcess? _listener;

    private SshdFixture(string tempDir, SshdOptions options)
    {
        _options = options;
        TempDir = tempDir;
        UserName = options.UserName ?? Environment.UserName;
        RemoteStateDir = Path.Combine(tempDir, "remote-state");
    }

    public static bool IsRoot => TestUsers.IsRoot;

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>Default login user: the current user unless <see cref="SshdOptions.UserName"/> says otherwise.</summary>
    public string UserName { get; }

    public string TempDir { get; }

    /// <summary>ed25519, no passphrase; accepted for every user (AuthorizedKeysFile is this key's .pub).</summary>
    public string UserKeyPath => Path.Combine(TempDir, "user_ed25519");

    public string UserPublicKeyPath => UserKeyPath + ".pub";

    public string AuthorizedKeysPath => Path.Combine(TempDir, "authorized_keys");

    /// <summary>known_hosts with "[127.0.0.1]:Port" entries for the keys at start; never rewritten.</summary>
    public string KnownHostsPath => Path.Combine(TempDir, "known_hosts");

    public string ConfigPath => Path.Combine(TempDir, "sshd_config");

    /// <summary>sshd's log (LogLevel VERBOSE unless the options say otherwise), appended across restarts.</summary>
    public string LogPath => Path.Combine(TempDir, "sshd.log");

    /// <summary>sshd's own stdout/stderr (config errors before logging starts).</summary>
    public string StderrPath => Path.Combine(TempDir, "sshd.stderr");

    /// <summary>XDG_STATE_HOME of every session (mode 1777: shared by all test users).</summary>
    public string RemoteStateDir { get; }

    /// <summary>Current host keys (ed25519 first, then rsa); they change with <see cref="ReplaceHostKeyAsync"/>.</summary>
    public IReadOnlyList<SshdHostKey> HostKeys { get; private set; } = [];

    public IReadOnlyList<byte[]> HostKeyPublicBlobs => [.. HostKeys.Select(k => k.Blob)];

    public IReadOnlyList<string> HostKeyPublicKeyPaths => [.. HostKeys.Select(k => k.PublicKeyPath)];

    /// <summary>Pid of the listening sshd.</summary>
    public int Pid => _listener?.Pid ?? throw new InvalidOperationException("sshd is not running.");

    public static async Task<SshdFixture> StartAsync(SshdOptions? options = null, CancellationToken ct = default)
    {
        var fixture = new SshdFixture(CreateTempDir(), options ?? new SshdOptions());
        try
        {
            await fixture.InitializeAsync(ct);
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates (root only, idempotent) user "sk-&lt;shell&gt;" with that login shell; returns its name.</summary>
    public Task<string> EnsureUserWithShellAsync(string shellPath, CancellationToken ct = default) =>
        TestUsers.EnsureUserWithShellAsync(shellPath, ct);

    /// <summary>The sshd log so far.</summary>
    public string ReadLog() => ReadShared(LogPath);

    private static string CreateTempDir()
    {
        var dir = Path.Combine("/tmp", "sk-sshd-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        Modes.Set(dir, Modes.Dir0755);
        return dir;
    }

    private static string ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private async Task InitializeAsync(CancellationToken ct)
    {
        if (IsRoot)
        {
            // Privilege separation chroots the pre-auth child here.
            Directory.CreateDirectory("/run/sshd");
            Modes.Set("/run/sshd", Modes.Dir0755);
        }

        Directory.CreateDirectory(RemoteStateDir);
        Modes.Set(RemoteStateDir, Modes.Dir1777);
        await Task.WhenAll(GenerateHostKeysAsync(ct), SshKeyGen.GenerateAsync(UserKeyPath, "ed25519", ct));
        File.Copy(UserPublicKeyPath, AuthorizedKeysPath, overwrite: true);
        Modes.Set(AuthorizedKeysPath, Modes.File0644);
        await LaunchOnFreePortAsync(ct);
        File.WriteAllText(KnownHostsPath, KnownHostsText(Port));
    }

    private async Task GenerateHostKeysAsync(CancellationToken ct)
    {
        string[] paths = [Path.Combine(TempDir, "host_ed25519"), Path.Combine(TempDir, "host_rsa")];
        await Task.WhenAll(SshKeyGen.GenerateAsync(paths[0], "ed25519", ct), SshKeyGen.GenerateAsync(paths[1], "rsa", ct));
        HostKeys = [.. paths.Select(SshdHostKey.Load)];
    }

    private async Task LaunchOnFreePortAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await LaunchAsync(PickFreePort(), ct);
                return;
            }
            catch (SshdBindException) when (attempt < PortAttempts)
            {
                // Someone took the port between our probe and sshd's bind: pick another.
            }
        }
    }

    private async Task LaunchAsync(int port, CancellationToken ct)
    {
        File.WriteAllText(ConfigPath, SshdConfigBuilder.Build(
            port, HostKeys.Select(k => k.PrivateKeyPath), TempDir, AuthorizedKeysPath, RemoteStateDir, MarkerVariable, _options.ExtraConfig));
        var logStart = ReadLog().Length;
        var psi = new ProcessStartInfo("/bin/sh");
        foreach (var arg in (string[])["-c", "exec \"$0\" -D -e -f \"$1\" -E \"$2\" </dev/null >>\"$3\" 2>&1", SshdPath, ConfigPath, LogPath, StderrPath])
        {
            psi.ArgumentList.Add(arg);
        }

        var listener = CliProcess.Start(psi);
        try
        {
            await WaitUntilReadyAsync(listener, port, logStart, ct);
        }
        catch
        {
            await listener.DisposeAsync();
            throw;
        }

        _listener = listener;
        Port = port;
    }

    private async Task WaitUntilReadyAsync(CliProcess listener, int port, int logStart, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        var listening = $"Server listening on 127.0.0.1 port {port}.";
        while (true)
        {
            if (listener.HasExited)
            {
                var diagnostics = $"sshd exited with {listener.ExitCode}.\nlog: {ReadLog()[logStart..]}\nstderr: {ReadShared(StderrPath)}";
                throw diagnostics.Contains("Address already in use", StringComparison.Ordinal)
                    || diagnostics.Contains("Cannot bind any address", StringComparison.Ordinal)
                    ? new SshdBindException(diagnostics)
                    : new InvalidOperationException(diagnostics);
            }

            if (ReadLog()[logStart..].Contains(listening, StringComparison.Ordinal)
                && await TcpBanner.TryReadAsync(endPoint, TimeSpan.FromSeconds(2), ct) is { } banner
                && banner.StartsWith("SSH-2.0-", StringComparison.Ordinal))
            {
                return;
            }

            if (clock.Elapsed > _options.StartTimeout)
            {
                listener.Kill();
                throw new TimeoutException($"sshd did not answer on port {port} within {_options.StartTimeout}.\nlog: {ReadLog()}");
            }

            await Task.Delay(Poll.DefaultInterval, ct);
        }
    }

    private static int PickFreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
