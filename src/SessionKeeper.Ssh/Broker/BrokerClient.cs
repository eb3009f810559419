using System.Collections.Concurrent;
using System.Net.Sockets;
using SessionKeeper.Core.Failures;
using SessionKeeper.Ssh.Config;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Ssh.Broker;

/// <summary>
/// This process's one connection to the daemon's broker socket: sessions and channels are
/// multiplexed over it by id, as OpenSSH's ControlMaster multiplexes a client's sessions over its
/// master. When the socket dies, every session on it is lost and every pending request fails,
/// so nothing waits on a dead daemon.
/// </summary>
internal sealed class BrokerClient : IDisposable
{
    /// <summary>How long the daemon has to answer the hello: a stopped or wedged daemon costs at most this.</summary>
    public static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(2);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly ConcurrentDictionary<uint, IBrokerEndpoint> _endpoints = new();
    private readonly CancellationTokenSource _closed = new();
    private int _nextId;

    private BrokerClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        Writer = new FrameWriter(socket);
    }

    public FrameWriter Writer { get; }

    /// <summary>Cancelled once the daemon's socket is gone.</summary>
    public CancellationToken Closed => _closed.Token;

    /// <summary>
    /// Why the socket at <paramref name="path"/> must not be used, or null when it may: it must be
    /// a socket (not a symlink to one), ours, and closed to the group and others, or another user
    /// could impersonate the daemon and read every command we send.
    /// </summary>
    public static string? Distrust(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            return $"{path} is a symbolic link";
        }

        var mode = (int)File.GetUnixFileMode(path) & 0x1FF;
        if (FileOwnership.TryGet(path, out var uid, out _) && OperatingSystem.IsLinux() && uid != (uint)Tmds.Linux.LibC.getuid())
        {
            return $"{path} belongs to uid {uid}, not to us";
        }

        return (mode & 0x3F) != 0 ? $"{path} has mode 0{Convert.ToString(mode, 8)}, open to others (0600 expected)" : null;
    }

    /// <summary>
    /// Connects and says hello. Null when there is no daemon to use: no socket (silently), a socket
    /// nobody answers on, a daemon of another build or another agent (<paramref name="note"/>, said
    /// at -v), or a socket we must not trust (<paramref name="warn"/>, always said).
    /// </summary>
    public static async Task<BrokerClient?> TryConnectAsync(string path, Action<string> note, Action<string> warn, CancellationToken cancellationToken)
    {
        if (!Usable(path, warn))
        {
            return null;
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        BrokerClient? client = null;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(HelloTimeout);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), deadline.Token);
            client = new BrokerClient(socket);
            client.Writer.Send(BrokerFrameType.Hello, 0, new BodyWriter().String(BrokerFrame.Build).String(AgentSocket()).ToArray());
            var welcome = await BrokerFrame.ReadAsync(client._stream, deadline.Token);
            switch (welcome)
            {
                case { Type: BrokerFrameType.Welcome }:
                    client.Start();
                    return client;
                case { Type: BrokerFrameType.Error } refusal:
                    note($"not using the daemon ({refusal.ToFailure().Message.TrimEnd('.')}); connecting directly.");
                    break;
                default:
                    note("not using the daemon (it closed the socket without answering); connecting directly.");
                    break;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            note($"not using the daemon (no answer on {path} within {HelloTimeout.TotalSeconds:0} s); connecting directly.");
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            note($"not using the daemon ({path}: {ex.Message.TrimEnd('.')}, a stale socket?); connecting directly.");
        }

        client?.Dispose();
        socket.Dispose();
        return null;
    }

    /// <summary>
    /// A whole <c>run -d</c> handed to the daemon (<see cref="BrokerFrameType.Start"/>), sent with
    /// the hello in one write: one round trip where a session took three (hello, connect, launch).
    /// The connection's questions are relayed to <paramref name="interaction"/> meanwhile. A daemon
    /// that refuses the hello read nothing else (<see cref="DelegatedOutcome.NotTaken"/>); once the
    /// start may have reached it, silence or a closed socket leaves the journal to decide
    /// (<see cref="DelegatedOutcome.Unsettled"/>). <c>Refused</c>: the daemon is not to be used again by this process.
    /// </summary>
    /// <remarks>
    /// Blocking calls on the caller's thread, bounded by socket timeouts (the hello's) and woken by
    /// a shutdown of the socket when <paramref name="cancellationToken"/> is cancelled: an
    /// asynchronous connect and read, with a timer for the deadline, started the runtime's timer
    /// thread and thread-pool workers and passed every reply from thread to thread, in a process
    /// that does nothing else meanwhile (perf of the CLI on this path: about a tenth of its CPU).
    /// </remarks>
    public static (DelegatedStart Start, bool Refused) StartJob(
        string path, StartRequest request, IUserInteraction interaction, Action<string> note, Action<string> warn, CancellationToken cancellationToken)
    {
        if (!Usable(path, warn))
        {
            return (DelegatedStart.NotTaken, true);
        }

        const uint Id = 1;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var wake = cancellationToken.Register(static s => ShutDown((Socket)s!), socket);
        NetworkStream? stream = null;
        var sent = false;
        var welcomed = false;
        try
        {
            var deadline = Environment.TickCount64 + (long)HelloTimeout.TotalMilliseconds;
            socket.SendTimeout = socket.ReceiveTimeout = (int)HelloTimeout.TotalMilliseconds;
            socket.Connect(new UnixDomainSocketEndPoint(path));
            cancellationToken.ThrowIfCancellationRequested();
            stream = new NetworkStream(socket, ownsSocket: false);
            byte[] frames =
            [
                .. new BrokerFrame(BrokerFrameType.Hello, 0, new BodyWriter().String(BrokerFrame.Build).String(AgentSocket()).ToArray()).Encode(),
                .. new BrokerFrame(BrokerFrameType.Start, Id, request.Encode()).Encode(),
            ];
            sent = true;
            for (var at = 0; at < frames.Length;)
            {
                at += socket.Send(frames, at, frames.Length - at, SocketFlags.None);
            }

            socket.ReceiveTimeout = (int)Math.Max(1, deadline - Environment.TickCount64);
            switch (Read(stream, cancellationToken))
            {
                case { Type: BrokerFrameType.Welcome }:
                    break;
                case { Type: BrokerFrameType.Error } refusal:
                    note($"not using the daemon ({refusal.ToFailure().Message.TrimEnd('.')}); connecting directly.");
                    return (DelegatedStart.NotTaken, true);
                default:
                    note("not using the daemon (it closed the socket without answering); connecting directly.");
                    return (DelegatedStart.NotTaken, true);
            }

            welcomed = true;
            socket.SendTimeout = socket.ReceiveTimeout = 0; // the launch takes what it takes; an interrupt wakes us
            var writer = new FrameWriter(socket);
            while (true)
            {
                switch (Read(stream, cancellationToken))
                {
                    case null:
                        note("the daemon's socket closed before it answered the launch; the journal says what it did.");
                        return (DelegatedStart.Unsettled, true);
                    case { Type: BrokerFrameType.Started } started when started.Id == Id:
                        note($"using the daemon's connection to {request.Job.Endpoint.Label}; the daemon journaled the job.");
                        return (new DelegatedStart(DelegatedOutcome.Launched, started.Body), false);
                    case { Type: BrokerFrameType.Error } error when error.Id == Id:
                        throw error.ToFailure();
                    case { Type: BrokerFrameType.Busy } busy when busy.Id == Id:
                        note("the daemon did not launch this job (no room on its connections, or another journal); connecting directly.");
                        return (busy.Body is [1] ? DelegatedStart.Unsettled : DelegatedStart.NotTaken, false);
                    case { Type: BrokerFrameType.Prompt } prompt when prompt.Id == Id:
                        PromptRelay.Answer(writer, prompt, interaction);
                        break;
                }
            }
        }
        catch (Exception ex) when (!welcomed && TimedOut(ex))
        {
            note($"not using the daemon (no answer on {path} within {HelloTimeout.TotalSeconds:0} s); connecting directly.");
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            note(sent
                ? $"the daemon's socket failed before it answered the launch ({ex.Message.TrimEnd('.')}); the journal says what it did."
                : $"not using the daemon ({path}: {ex.Message.TrimEnd('.')}, a stale socket?); connecting directly.");
        }
        finally
        {
            stream?.Dispose();
        }

        return (sent ? DelegatedStart.Unsettled : DelegatedStart.NotTaken, true);
    }

    /// <summary>The next frame; an interrupt (which shut the socket down to wake us) is thrown as such.</summary>
    private static BrokerFrame? Read(Stream stream, CancellationToken cancellationToken)
    {
        BrokerFrame? frame;
        try
        {
            frame = BrokerFrame.Read(stream);
        }
        catch (Exception ex) when (ex is SocketException or IOException && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return frame;
    }

    /// <summary>Whether a blocking connect, send or receive ran out of its socket timeout.</summary>
    private static bool TimedOut(Exception ex) =>
        (ex as SocketException ?? ex.InnerException as SocketException) is { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock };

    private static void ShutDown(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Not connected yet, or already closed: the call under way returns by itself.
        }
    }

    /// <summary>Whether there is a socket to try: none is said nothing of; one we must not trust is warned of (<see cref="Distrust"/>).</summary>
    private static bool Usable(string path, Action<string> warn)
    {
        if (!File.Exists(path) && !Directory.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            return false;
        }

        if (Distrust(path) is { } why)
        {
            warn($"not using the daemon: {why}; connecting directly. Remove it, or run the daemon again to recreate it.");
            return false;
        }

        return true;
    }

    /// <summary>The agent this process would use: the daemon offers its own agent's keys, so both must be the same.</summary>
    public static string AgentSocket() => Environment.GetEnvironmentVariable("SSH_AUTH_SOCK") ?? string.Empty;

    public uint NextId() => (uint)Interlocked.Increment(ref _nextId);

    public void Register(uint id, IBrokerEndpoint endpoint) => _endpoints[id] = endpoint;

    public void Unregister(uint id) => _endpoints.TryRemove(id, out _);

    public void Dispose()
    {
        Shut();
        _stream.Dispose();
        _socket.Dispose();
    }

    private void Start() => _ = Task.Factory.StartNew(ReadLoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await BrokerFrame.ReadAsync(_stream, CancellationToken.None) is { } frame)
            {
                if (_endpoints.TryGetValue(frame.Id, out var endpoint))
                {
                    endpoint.Receive(frame);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // The daemon died or closed us: every endpoint hears it below.
        }

        Shut();
    }

    private void Shut()
    {
        if (_closed.IsCancellationRequested)
        {
            return;
        }

        _closed.Cancel();
        foreach (var endpoint in _endpoints.Values)
        {
            endpoint.BrokerClosed();
        }
    }
}

/// <summary>A session, channel or prompt of this process, addressed by its id on the socket.</summary>
internal interface IBrokerEndpoint
{
    void Receive(BrokerFrame frame);

    void BrokerClosed();
}

/// <summary>
/// The CLI's side of a relayed prompt: the daemon asks, the person at this terminal answers, the
/// answer goes back. Runs off the socket's reader, since a person takes their time.
/// </summary>
internal static class PromptRelay
{
    public static void Answer(FrameWriter writer, BrokerFrame frame, IUserInteraction interaction)
    {
        var body = new BodyReader(frame.Body);
        var kind = (BrokerPromptKind)body.Byte();
        var text = body.String();
        _ = Task.Run(() =>
        {
            string? answer = null;
            switch (kind)
            {
                case BrokerPromptKind.Secret:
                    answer = interaction.ReadSecret(text);
                    break;
                case BrokerPromptKind.Line:
                    answer = interaction.ReadLine(text);
                    break;
                default:
                    interaction.Note(text);
                    return;
            }

            writer.Send(
                BrokerFrameType.Answer,
                frame.Id,
                answer is null ? new BodyWriter().Byte(0).ToArray() : new BodyWriter().Byte(1).String(answer).ToArray());
        });
    }
}

/// <summary>A failure of the broker's link itself, as the session's own loss would be said.</summary>
internal static class BrokerFailures
{
    public static SessionKeeperException Lost(string label) => new(FailureKind.ConnectionLost, $"the connection to {label} was lost (the daemon's broker socket closed).");
}
