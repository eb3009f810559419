using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh;
using SessionKeeper.Ssh.Broker;

namespace SessionKeeper.Cli.Daemon.Broker;

/// <summary>
/// One CLI process on the broker socket: its sessions (each bound to a pooled connection) and
/// their channels. When the CLI goes, its sessions are released and its channels closed; the
/// connections stay in the pool for the next CLI.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "The peer's token is cancelled when it ends and outlives it in late registrations (a connection still opening); it holds no timer or handle.")]
internal sealed class BrokerPeer(Socket socket, BrokerPool pool, ILogger logger, BrokerStarts? starts = null)
{
    /// <summary>Largest Data frame sent: output reaches the CLI as it comes, in pieces the frame limit fits many times.</summary>
    private const int ChunkSize = 256 << 10;

    private readonly FrameWriter _writer = new(socket);
    private readonly CancellationTokenSource _gone = new();
    private readonly ConcurrentDictionary<uint, Bound> _sessions = new();
    private readonly ConcurrentDictionary<uint, RelayedInteraction> _connecting = new();
    private readonly ConcurrentDictionary<uint, DaemonChannel> _channels = new();

    public async Task ServeAsync(CancellationToken stopping)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        using var stop = stopping.Register(_gone.Cancel);
        try
        {
            if (!await GreetAsync(stream, stopping))
            {
                return;
            }

            while (await BrokerFrame.ReadAsync(stream, stopping) is { } frame)
            {
                Dispatch(frame);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The CLI exited or the daemon is stopping: cleaned up below either way.
        }
        finally
        {
            _gone.Cancel();
            foreach (var channel in _channels.Values)
            {
                channel.Close();
            }

            foreach (var id in _sessions.Keys)
            {
                Release(id, abort: false);
            }
        }
    }

    /// <summary>The same build and the same agent, or the CLI is told why and goes direct.</summary>
    private async Task<bool> GreetAsync(NetworkStream stream, CancellationToken stopping)
    {
        if (await BrokerFrame.ReadAsync(stream, stopping) is not { Type: BrokerFrameType.Hello } hello)
        {
            return false;
        }

        var body = new BodyReader(hello.Body);
        var build = body.String();
        var agent = body.String();
        var refusal = build != BrokerFrame.Build ? "the daemon is another build of sessionkeeper: restart it after an upgrade"
            : agent != BrokerClient.AgentSocket() ? "the daemon uses another ssh-agent (SSH_AUTH_SOCK)"
            : null;
        if (refusal is not null)
        {
            _writer.Send(BrokerFrameType.Error, 0, BrokerFrame.Failure(new SessionKeeperException(FailureKind.InvalidInput, refusal + ".")));
            return false;
        }

        return _writer.Send(BrokerFrameType.Welcome, 0, new BodyWriter().String(BrokerFrame.Build).ToArray());
    }

    private void Dispatch(BrokerFrame frame)
    {
        switch (frame.Type)
        {
            case BrokerFrameType.Connect:
                _ = ConnectAsync(frame);
                break;
            case BrokerFrameType.Start:
                _ = StartAsync(frame);
                break;
            case BrokerFrameType.Answer when _connecting.TryGetValue(frame.Id, out var interaction):
                var body = new BodyReader(frame.Body);
                interaction.Answered(body.Byte() == 1 ? body.String() : null);
                break;
            case BrokerFrameType.Release:
                Release(frame.Id, abort: false);
                break;
            case BrokerFrameType.Abort:
                Release(frame.Id, abort: true);
                break;
            case BrokerFrameType.Open:
            case BrokerFrameType.Launch:
                Open(frame);
                break;
            case BrokerFrameType.Data when _channels.TryGetValue(frame.Id, out var channel):
                channel.Send(frame.Body);
                break;
            case BrokerFrameType.CloseInput when _channels.TryGetValue(frame.Id, out var channel):
                channel.CloseInput();
                break;
            case BrokerFrameType.Close when _channels.TryRemove(frame.Id, out var channel):
                channel.Close();
                break;
        }
    }

    private async Task ConnectAsync(BrokerFrame frame)
    {
        var id = frame.Id;
        var body = new BodyReader(frame.Body);
        var json = body.String();
        var canPrompt = body.Byte() == 1;
        var interaction = new RelayedInteraction(_writer, id, canPrompt, _gone.Token);
        _connecting[id] = interaction;
        try
        {
            var endpoint = JsonSerializer.Deserialize(json, EndpointJson.Default.JobEndpoint)
                ?? throw new SessionKeeperException(FailureKind.InvalidInput, "the CLI sent no target.");
            var target = SshTransport.ToTarget(endpoint);
            if (await pool.AcquireAsync(BrokerPool.KeyOf(target), target, interaction, _gone.Token) is not { } connection)
            {
                _writer.Send(BrokerFrameType.Busy, id);
                return;
            }

            var session = connection.Session.Result;
            var bound = new Bound(connection, session.Lost.Register(() => _writer.Send(BrokerFrameType.Lost, id)));
            if (!_sessions.TryAdd(id, bound) || _gone.IsCancellationRequested)
            {
                bound.Lost.Dispose();
                pool.Release(connection);
                return;
            }

            _writer.Send(BrokerFrameType.Connected, id);
        }
        catch (OperationCanceledException) when (_gone.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            var failure = ex as SessionKeeperException ?? BrokerErrors.Of(ex, "the target");
            BrokerLog.ConnectFailed(logger, failure.Message);
            _writer.Send(BrokerFrameType.Error, id, BrokerFrame.Failure(failure));
        }
        finally
        {
            _connecting.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// A CLI's whole <c>run -d</c> (<see cref="BrokerStarts"/>): answered Started with the launch's
    /// reply, Error with the failure as a direct start would have thrown it (and journaled it), or
    /// Busy: 0 when nothing is journaled (another journal, a daemon without one, no room on the
    /// host's connections), 1 when the job is journaled and the CLI is to finish it (a retry found no room).
    /// </summary>
    private async Task StartAsync(BrokerFrame frame)
    {
        var id = frame.Id;
        StartRequest request;
        try
        {
            request = StartRequest.Decode(frame.Body, starts?.StateRoot ?? string.Empty);
        }
        catch (IOException ex)
        {
            _writer.Send(BrokerFrameType.Error, id, BrokerFrame.Failure(new SessionKeeperException(FailureKind.InvalidInput, $"the CLI sent a malformed launch ({ex.Message.TrimEnd('.')}).")));
            return;
        }

        if (starts is null || !starts.Serves(request.Journal) || _gone.IsCancellationRequested)
        {
            _writer.Send(BrokerFrameType.Busy, id, [0]);
            return;
        }

        var interaction = new RelayedInteraction(_writer, id, request.CanPrompt, _gone.Token);
        _connecting[id] = interaction;
        try
        {
            await Task.Yield(); // off the socket's reader: the journal's commits and the launch take their time
            var reply = await starts.StartAsync(request.Job, interaction, _gone.Token);
            _writer.Send(reply is null ? BrokerFrameType.Busy : BrokerFrameType.Started, id, reply ?? [0]);
        }
        catch (BrokerStarts.NoRoomException)
        {
            _writer.Send(BrokerFrameType.Busy, id, [1]); // an intent whose retry found no room: the CLI finishes it
        }
        catch (OperationCanceledException) when (_gone.IsCancellationRequested)
        {
            // The CLI went: the journal holds what became of the job, as it would have for the CLI.
        }
        catch (Exception ex)
        {
            var failure = ex as SessionKeeperException ?? BrokerErrors.Of(ex, request.Job.Endpoint.Label);
            BrokerLog.StartFailed(logger, request.Job.Id.Value, failure.Message);
            _writer.Send(BrokerFrameType.Error, id, BrokerFrame.Failure(failure));
        }
        finally
        {
            _connecting.TryRemove(id, out _);
        }
    }

    private void Release(uint id, bool abort)
    {
        if (!_sessions.TryRemove(id, out var bound))
        {
            return;
        }

        bound.Lost.Dispose();
        if (abort)
        {
            // The CLI's heartbeats stopped: its own channels go at once. Whether the link is dead
            // for the others on it too is the probe's to say (the CLI may only have been starved of CPU).
            foreach (var (channelId, channel) in _channels)
            {
                if (channel.Session == id && _channels.TryRemove(channelId, out _))
                {
                    channel.Close();
                }
            }

            _ = ProbeAsync(bound.Connection);
        }

        pool.Release(bound.Connection);
    }

    private async Task ProbeAsync(PooledConnection connection)
    {
        BrokerLog.Probing(logger, connection.Host);
        if (await connection.ProbeAsync(PooledConnection.ProbeDeadline))
        {
            BrokerLog.ProbeAnswered(logger, connection.Host);
        }
        else
        {
            BrokerLog.ProbeFailed(logger, connection.Host, PooledConnection.ProbeDeadline.TotalSeconds);
        }
    }

    private void Open(BrokerFrame frame)
    {
        var body = new BodyReader(frame.Body);
        var session = BitConverter.ToUInt32(body.Bytes());
        var keepOpen = body.Byte() == 1;
        var stdin = body.Bytes();
        if (!_sessions.TryGetValue(session, out var bound))
        {
            _writer.Send(BrokerFrameType.Error, frame.Id, BrokerFrame.Failure(new SessionKeeperException(FailureKind.ConnectionLost, "the connection was lost (the daemon no longer holds it).")));
            return;
        }

        // A Launch frame carries the resident launcher's request line, not a payload: the payload
        // it stands for is built here only if the launch goes over an exec channel after all.
        var lineOnly = frame.Type == BrokerFrameType.Launch;
        var launch = lineOnly ? ResidentLaunch.Parse(stdin) : keepOpen ? null : ResidentLaunch.From(stdin);
        if (lineOnly && (launch is null || keepOpen))
        {
            _writer.Send(BrokerFrameType.Error, frame.Id, BrokerFrame.Failure(new SessionKeeperException(FailureKind.InvalidInput, "the CLI sent a malformed launch.")));
            return;
        }

        var connection = bound.Connection;
        var launcher = launch is null ? null : connection.Launcher(pool.IdleTimeout, what => BrokerLog.Launcher(logger, connection.Host, what));
        var channel = new DaemonChannel(frame.Id, session, connection, _writer, _gone.Token);
        _channels[frame.Id] = channel;
        Func<byte[]> payload = lineOnly ? launch!.ToPayload : () => stdin;
        _ = channel.RunAsync(keepOpen, payload, launch, launcher).ContinueWith(_ => _channels.TryRemove(frame.Id, out var _), TaskScheduler.Default);
    }

    private sealed record Bound(PooledConnection Connection, CancellationTokenRegistration Lost);

    /// <summary>A channel on a pooled connection, run for one CLI; it holds one of the connection's channel slots, or is answered busy.</summary>
    private sealed class DaemonChannel(uint id, uint session, PooledConnection connection, FrameWriter writer, CancellationToken peerGone)
    {
        private readonly CancellationTokenSource _closed = CancellationTokenSource.CreateLinkedTokenSource(peerGone);
        private IRemoteOutput? _output;

        /// <summary>The CLI's session the channel was opened on.</summary>
        public uint Session => session;

        public async Task RunAsync(bool keepOpen, Func<byte[]> stdin, ResidentLaunch? launch, ResidentLauncher? launcher)
        {
            var remote = connection.Session.Result;
            if (launch is not null && launcher is not null && await launcher.TryLaunchAsync(launch, _closed.Token) is { } launched)
            {
                // The runner's reply to the launch, from the connection's resident launcher: no exec channel.
                SendData(launched);
                writer.Send(BrokerFrameType.Eof, id);
                return;
            }

            try
            {
                if (!(keepOpen ? connection.Channels.TryTakeStream() : await connection.Channels.TakeExecAsync(ChannelSlots.ExecWait, _closed.Token)))
                {
                    writer.Send(BrokerFrameType.Busy, id);
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                if (!keepOpen)
                {
                    var output = await remote.ExecAsync(stdin(), _closed.Token);
                    SendData(output);
                    writer.Send(BrokerFrameType.Eof, id);
                    return;
                }

                var stream = await remote.OpenStreamAsync(stdin(), _closed.Token);
                Volatile.Write(ref _output, stream);
                if (_closed.IsCancellationRequested)
                {
                    stream.Dispose();
                    return;
                }

                writer.Send(BrokerFrameType.Opened, id);
                await Task.Factory.StartNew(() => Pump(stream), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            catch (Exception ex) when (!_closed.IsCancellationRequested)
            {
                connection.Failed(ex);
                writer.Send(BrokerFrameType.Error, id, BrokerFrame.Failure(BrokerErrors.Of(ex, remote.HostLabel)));
            }
            catch (Exception)
            {
                // The CLI closed the channel: nobody is waiting for its end.
            }
            finally
            {
                connection.Channels.Release();
            }
        }

        public void Send(byte[] bytes)
        {
            try
            {
                Volatile.Read(ref _output)?.Send(bytes);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
            {
                // The channel is dead; its end reaches the CLI as Eof or Lost.
            }
        }

        public void CloseInput()
        {
            try
            {
                Volatile.Read(ref _output)?.CloseInput();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
            {
            }
        }

        public void Close()
        {
            _closed.Cancel();
            Volatile.Read(ref _output)?.Dispose();
        }

        private void Pump(IRemoteOutput stream)
        {
            var buffer = new byte[ChunkSize];
            try
            {
                int n;
                while ((n = stream.Output.Read(buffer)) > 0)
                {
                    if (!writer.Send(BrokerFrameType.Data, id, buffer.AsSpan(0, n).ToArray()))
                    {
                        break;
                    }
                }
            }
            catch (Exception)
            {
                // A dead link (in SSH.NET's words or the socket's) ends the stream: the CLI reads its end, and hears Lost on its session.
            }
            finally
            {
                stream.Dispose();
            }

            writer.Send(BrokerFrameType.Eof, id);
        }

        private void SendData(byte[] output)
        {
            for (var at = 0; at < output.Length; at += ChunkSize)
            {
                writer.Send(BrokerFrameType.Data, id, output.AsSpan(at, Math.Min(ChunkSize, output.Length - at)).ToArray());
            }
        }
    }
}
