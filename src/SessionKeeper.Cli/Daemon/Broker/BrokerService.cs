using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SessionKeeper.Ssh;
using SessionKeeper.Ssh.Broker;

namespace SessionKeeper.Cli.Daemon.Broker;

/// <summary>
/// The daemon as a connection broker: listens on <c>broker.sock</c> in the state directory (0600,
/// in a directory only we may enter), serves only processes of our own uid (SO_PEERCRED), and
/// holds the SSH connections CLIs use (<see cref="BrokerPool"/>).
/// </summary>
internal sealed class BrokerService(DaemonSettings daemon, BrokerSettings settings, BrokerPool pool, ILogger<BrokerService> logger, StartsLaunched? launched = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var path = Path.Combine(daemon.StateRoot, BrokerFrame.SocketName);
        using var listener = await ListenAsync(path, stoppingToken);
        if (listener is null)
        {
            return;
        }

        BrokerLog.Listening(logger, path, settings.MaxPerHost, settings.IdleTimeout.TotalSeconds);
        var starts = new BrokerStarts(
            SessionKeeper.Core.Journal.JobJournal.Open(daemon.StateRoot, daemon.Journal),
            daemon.StateRoot,
            pool,
            (host, what) => BrokerLog.Launcher(logger, host, what),
            launched is null ? null : launched.Launched);
        var reaper = ReapAsync(pool, logger, stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var socket = await listener.AcceptAsync(stoppingToken);
                if (Admit(socket))
                {
                    _ = Task.Run(() => new BrokerPeer(socket, pool, logger, starts).ServeAsync(stoppingToken), CancellationToken.None);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            File.Delete(path);
            await reaper;
        }
    }

    /// <summary>Only our own uid: anyone else is told so and closed before a byte is read.</summary>
    private bool Admit(Socket socket)
    {
        var peer = PeerCredentials.Of(socket);
        if (peer is { } p && p.Uid == PeerCredentials.Ours)
        {
            return true;
        }

        BrokerLog.Refused(logger, peer?.Pid ?? 0, peer is { } q ? q.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown");
        var refusal = new SessionKeeper.Core.Failures.SessionKeeperException(
            SessionKeeper.Core.Failures.FailureKind.InvalidInput,
            $"refused: this daemon serves uid {PeerCredentials.Ours} only.");
        new FrameWriter(socket).Send(BrokerFrameType.Error, 0, BrokerFrame.Failure(refusal));
        socket.Dispose();
        return false;
    }

    /// <summary>
    /// The socket, made 0600 under a temporary name and renamed into place, so it is never open to
    /// others for an instant; null (with the reason logged) when another daemon answers there, the
    /// directory is open to others, or the path is too long for a Unix socket.
    /// </summary>
    private async Task<Socket?> ListenAsync(string path, CancellationToken stoppingToken)
    {
        var directoryMode = (int)File.GetUnixFileMode(daemon.StateRoot) & 0x1FF;
        if ((directoryMode & 0x3F) != 0)
        {
            BrokerLog.NotBrokering(logger, $"{daemon.StateRoot} has mode 0{Convert.ToString(directoryMode, 8)}; the broker needs it closed to others (chmod 700)");
            return null;
        }

        if (File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null)
        {
            if (await AnswersAsync(path, stoppingToken))
            {
                BrokerLog.NotBrokering(logger, $"another daemon answers on {path}");
                return null;
            }

            File.Delete(path); // stale: left by a daemon that was killed
        }

        var temporary = $"{path}.{Environment.ProcessId}";
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            File.Delete(temporary);
            socket.Bind(new UnixDomainSocketEndPoint(temporary));
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(temporary, path, overwrite: true);
            socket.Listen(512);
            return socket;
        }
        catch (Exception ex) when (ex is SocketException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            BrokerLog.NotBrokering(logger, $"cannot listen on {path}: {ex.Message.TrimEnd('.')}");
            File.Delete(temporary);
            socket.Dispose();
            return null;
        }
    }

    private static async Task<bool> AnswersAsync(string path, CancellationToken cancellationToken)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Idle connections are closed within a quarter of the idle time (at most a second late).</summary>
    private static async Task ReapAsync(BrokerPool pool, ILogger logger, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(pool.IdleTimeout.TotalMilliseconds / 4, 50, 1000)));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var host in pool.CloseIdle())
                {
                    BrokerLog.ClosedIdle(logger, host);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>The broker's log messages, with stable event ids (after <see cref="DaemonLog"/>'s).</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "broker: listening on {Path}; at most {PerHost} connection(s) per host, idle ones closed after {Idle} s")]
    public static partial void Listening(ILogger logger, string path, int perHost, double idle);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "broker: not brokering: {Reason}")]
    public static partial void NotBrokering(ILogger logger, string reason);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "broker: refused a connection from pid {Pid}, uid {Uid}: not ours")]
    public static partial void Refused(ILogger logger, int pid, string uid);

    [LoggerMessage(EventId = 23, Level = LogLevel.Debug, Message = "broker: a connection failed: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 24, Level = LogLevel.Information, Message = "broker: closed an idle connection to {Host}")]
    public static partial void ClosedIdle(ILogger logger, string host);

    [LoggerMessage(EventId = 27, Level = LogLevel.Information, Message = "broker: a client declared its link to {Host} dead: its channels closed; probing the connection")]
    public static partial void Probing(ILogger logger, string host);

    [LoggerMessage(EventId = 25, Level = LogLevel.Information, Message = "broker: the connection to {Host} answered a probe and stays for the others on it")]
    public static partial void ProbeAnswered(ILogger logger, string host);

    [LoggerMessage(EventId = 28, Level = LogLevel.Information, Message = "broker: the resident launcher on {Host}: {What}")]
    public static partial void Launcher(ILogger logger, string host, string what);

    [LoggerMessage(EventId = 29, Level = LogLevel.Information, Message = "broker: the resident watcher on {Host}: {What}")]
    public static partial void Watcher(ILogger logger, string host, string what);

    [LoggerMessage(EventId = 30, Level = LogLevel.Debug, Message = "broker: a CLI's start of {Id} failed: {Reason}")]
    public static partial void StartFailed(ILogger logger, string id, string reason);

    [LoggerMessage(EventId = 26, Level = LogLevel.Warning, Message = "broker: the connection to {Host} did not answer a probe within {Seconds} s: closed for everyone on it")]
    public static partial void ProbeFailed(ILogger logger, string host, double seconds);
}
