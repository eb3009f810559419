using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SessionKeeper.IntegrationTests.Agent;

/// <summary>
/// A real OpenSSH sshd on a free 127.0.0.1 port, from a minimal sshd_config in its own directory,
/// run as a child (<c>sshd -D -e -f CONFIG -E LOG</c>); disposing kills it by process id.
/// </summary>
/// <remarks>
/// LogLevel is DEBUG2, not VERBOSE: VERBOSE logs a refused <c>ssh-rsa</c> attempt ("signature
/// algorithm ssh-rsa not in PubkeyAcceptedAlgorithms") but not which algorithm was accepted, while
/// DEBUG2 logs every attempt ("querying/attempting public key ALG ...") and the outcome
/// ("userauth_pubkey: authenticated 1 pkalg ALG"). -d is not used, so sshd still forks per connection.
/// </remarks>
public sealed class AgentSshd : IAsyncDisposable
{
    public const string SshdPath = "/usr/sbin/sshd";
    private const int PortAttempts = 5;
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(10);
    private readonly Process _process;

    private AgentSshd(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    public int Pid => _process.Id;

    public string LogPath => Path.Combine(Directory, "sshd.log");

    /// <param name="authenticationConfig">
    /// How users are let in: <c>AuthorizedKeysFile PATH</c>, or <c>AuthorizedKeysFile none</c> plus
    /// <c>TrustedUserCAKeys CA.pub</c> for certificates; more sshd_config lines may follow.
    /// </param>
    public static async Task<AgentSshd> StartAsync(string directory, string hostKeyPath, string authenticationConfig, CancellationToken cancellationToken = default)
    {
        System.IO.Directory.CreateDirectory(directory);
        try
        {
            System.IO.Directory.CreateDirectory("/run/sshd"); // privilege separation directory, needed as root
        }
        catch (UnauthorizedAccessException)
        {
            // Not root: sshd then runs without privilege separation and needs no such directory.
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var configPath = Path.Combine(directory, "sshd_config");
            await File.WriteAllTextAsync(configPath, Config(directory, port, hostKeyPath, authenticationConfig), cancellationToken);
            var psi = AgentTestProcess.StartInfo(SshdPath, ["-D", "-e", "-f", configPath, "-E", Path.Combine(directory, "sshd.log")]);
            var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start sshd");
            process.StandardInput.Close();
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var sshd = new AgentSshd(process, directory, port);
            try
            {
                if (await sshd.WaitForBannerAsync(cancellationToken))
                {
                    return sshd;
                }
            }
            catch
            {
                await sshd.DisposeAsync();
                throw;
            }

            // sshd exited: most likely another process took the port between FreePort and bind.
            var log = sshd.ReadLog();
            await sshd.DisposeAsync();
            if (attempt == PortAttempts)
            {
                throw new InvalidOperationException($"sshd did not start on 127.0.0.1:{port}: {log}");
            }
        }
    }

    public string ReadLog()
    {
        if (!File.Exists(LogPath))
        {
            return "";
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Waits until sshd's log holds a line containing <paramref name="text"/>: sshd writes the
    /// outcome of an authentication from its child process, which may lag the client a little.
    /// </summary>
    public async Task<string> WaitForLogAsync(string text, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var log = ReadLog();
            if (log.Contains(text, StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                return log;
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // The listener and any per-connection children still running below it.
                _process.Kill(entireProcessTree: true);
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string Config(string directory, int port, string hostKeyPath, string authenticationConfig) =>
        string.Join('\n',
        [
            "ListenAddress 127.0.0.1",
            $"Port {port.ToString(CultureInfo.InvariantCulture)}",
            $"HostKey {hostKeyPath}",
            $"PidFile {Path.Combine(directory, "sshd.pid")}",
            "UsePAM no",
            "StrictModes no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "LogLevel DEBUG2",
            "SetEnv PYENV_REHASH_TIMEOUT=0", // as in SshdConfigBuilder: no login waits on pyenv's lock
            authenticationConfig.Trim(),
            "",
        ]);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>True once sshd sends its SSH-2.0 banner; false if it exited first.</summary>
    private async Task<bool> WaitForBannerAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartDeadline;
        while (!_process.HasExited)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"sshd on 127.0.0.1:{Port} sent no banner within {StartDeadline.TotalSeconds} s: {ReadLog()}");
            }

            try
            {
                using var client = new TcpClient();
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                await client.ConnectAsync(IPAddress.Loopback, Port, attempt.Token);
                var buffer = new byte[8];
                await client.GetStream().ReadExactlyAsync(buffer, attempt.Token);
                if (Encoding.ASCII.GetString(buffer) == "SSH-2.0-")
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(20, cancellationToken);
            }
        }

        return false;
    }
}
