using Polly;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper.Core.Streaming;

/// <summary>
/// Follows a job's output until the job has ended and every byte has arrived, through any number
/// of dropped connections: silence beyond the deadline or a reset ends the current connection, a
/// new one is made with backoff, and each stream (stdout, stderr; the one log of a layout-1 job)
/// resumes at the exact byte where it stopped.
/// </summary>
internal sealed class Attacher
{
    private readonly IRemoteConnector _connector;
    private readonly JobId _jobId;
    private readonly LogMirror? _mirror;
    private readonly JobStreams? _outputs;
    private readonly AttachOptions _options;
    private readonly IAttachObserver _observer;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _reconnect;
    // Delivered bytes per stream, indexed by OutputKind; written by the reading thread only.
    private readonly long[] _delivered = new long[3];
    private Action? _stdinOpen;

    // --give-up-after bounds the whole attach: the time since the stream last made progress, across
    // every connection. Progress is output bytes delivered, or a link that has kept talking
    // (heartbeats) for a whole --dead-after period since its first word: one that has proven it
    // works for as long as it takes to declare a link dead, as a quiet job's link does. Connecting,
    // authenticating, opening the stream or a word followed by silence is no progress: a link can
    // do each and then go silent, and must not restart the clock. Zero: all is well.
    private long _troubleSince;
    private long _lastHeard;

    // 1 once a connection was tried since the last progress: a budget found spent when a loss is
    // seen gets one try first (see ReconnectAsync).
    private int _triedSinceProgress;

    /// <param name="connector">Opens a new connection after a drop.</param>
    /// <param name="jobId">The job to follow.</param>
    /// <param name="mirror">The local copy to append to, when this process holds its lease.</param>
    /// <param name="start">Where each remote stream starts; bytes before are not fetched.</param>
    /// <param name="outputs">Receive every byte from <paramref name="start"/> on, once, each stream on its own.</param>
    /// <param name="options">Heartbeat, deadlines, backoff and chunk sizes.</param>
    /// <param name="observer">Told of drops, retries and reconnections.</param>
    /// <param name="timeProvider">The clock of the watchdog and the backoff.</param>
    /// <param name="random">The backoff's jitter source, in [0, 1).</param>
    /// <param name="stdinOpen">Told once when the target says the job's stdin spool is still open (a job given stdin whose uploader may be gone).</param>
    public Attacher(
        IRemoteConnector connector,
        JobId jobId,
        LogMirror? mirror,
        JobStreams? outputs,
        StreamOffsets start,
        AttachOptions options,
        IAttachObserver? observer = null,
        TimeProvider? timeProvider = null,
        Func<double>? random = null,
        Action? stdinOpen = null)
    {
        _stdinOpen = stdinOpen;
        _connector = connector;
        _jobId = jobId;
        _mirror = mirror;
        _outputs = outputs;
        _delivered[(int)OutputKind.Stdout] = start.Stdout;
        _delivered[(int)OutputKind.Stderr] = start.Stderr;
        _delivered[(int)OutputKind.Combined] = start.Combined;
        _options = options;
        _observer = observer ?? NullAttachObserver.Instance;
        _time = timeProvider ?? TimeProvider.System;
        // Bounded by --give-up-after through the token ReconnectAsync passes.
        _reconnect = Reconnect.Pipeline(
            RetryPolicy.From(options),
            _time,
            random ?? Reconnect.SharedRandom,
            (attempt, delay, failure) => _observer.Retrying(attempt + 2, delay, failure?.Message ?? "failed"));
    }

    /// <summary>The positions reached: every byte of each stream before its offset has been delivered.</summary>
    public StreamOffsets Offsets => new(
        Interlocked.Read(ref _delivered[(int)OutputKind.Stdout]),
        Interlocked.Read(ref _delivered[(int)OutputKind.Stderr]),
        Interlocked.Read(ref _delivered[(int)OutputKind.Combined]));

    /// <summary>Bytes delivered of every stream together (what observers are told).</summary>
    public long Offset => Offsets.Sum;

    /// <summary>Streams to the end; <paramref name="session"/> (if given) is used first and disposed.</summary>
    public Task<JobStatus> RunAsync(IRemoteSession? session, CancellationToken cancellationToken = default) =>
        RunAsync(session, null, cancellationToken);

    /// <summary>
    /// Streams to the end; <paramref name="session"/> (if given) is used first and disposed, and
    /// <paramref name="opened"/> (a stream already running on it, from where this attacher starts:
    /// the run verb's) is read before any new stream is opened.
    /// </summary>
    public async Task<JobStatus> RunAsync(IRemoteSession? session, OpenedStream? opened, CancellationToken cancellationToken = default)
    {
        if (opened is not null && (session is null || opened.From != Offsets))
        {
            // Not where this attacher starts (or without its session): read nothing of it.
            opened.Dispose();
            opened = null;
        }

        // Without a session the attach starts with no working link, and the clock runs from now; a
        // session handed in has just answered (the launch reply).
        var start = _time.GetTimestamp();
        Interlocked.Exchange(ref _lastHeard, start);
        if (session is null)
        {
            Interlocked.CompareExchange(ref _troubleSince, start, 0);
        }

        try
        {
            while (true)
            {
                session ??= await ReconnectAsync(null, cancellationToken);
                try
                {
                    var first = opened;
                    opened = null;
                    var done = await StreamOnceAsync(session, first, cancellationToken);
                    if (done is not null)
                    {
                        return done;
                    }
                }
                catch (SessionKeeperException ex) when (ex.IsRetryable && !cancellationToken.IsCancellationRequested)
                {
                    var lostAt = _time.GetTimestamp();
                    Interlocked.CompareExchange(ref _troubleSince, Interlocked.Read(ref _lastHeard), 0);
                    _observer.Disconnected(Offset, ex.Message);
                    await DisposeQuietlyAsync(session);
                    session = null;
                    session = await ReconnectAsync(lostAt, cancellationToken);
                }
            }
        }
        finally
        {
            opened?.Dispose();
            if (session is not null)
            {
                await DisposeQuietlyAsync(session);
            }
        }
    }

    /// <summary>The stream request of this attacher's options from <paramref name="from"/>; with <paramref name="credit"/> the client grants credit on the channel.</summary>
    internal static StreamRequest Request(JobId jobId, StreamOffsets from, AttachOptions options, bool credit) =>
        new(jobId, from, options.ChunkBytes, options.Heartbeat, options.HelperTimeToLive, options.ClientId) { Credit = credit };

    private async Task<IRemoteSession> ReconnectAsync(long? lostAt, CancellationToken cancellationToken)
    {
        // A budget already spent when the loss is seen (this process was stopped or starved, or the
        // machine slept) still gets one connection since the target was last heard, with the time a
        // new link has for its first word: the link may be back, and only a try proves it is not.
        if (_options.GiveUpAfter is { } budget && Volatile.Read(ref _triedSinceProgress) == 0)
        {
            var oneTry = Max(_options.DeadAfter, _options.HelperStartTimeout);
            if (budget - TroubleFor() < oneTry)
            {
                var kept = Max(TimeSpan.Zero, budget - oneTry);
                Interlocked.Exchange(ref _troubleSince, _time.GetTimestamp() - (long)(kept.TotalSeconds * _time.TimestampFrequency));
            }
        }

        using var giveUp = _options.GiveUpAfter is { } limit
            ? new CancellationTokenSource(Max(TimeSpan.Zero, limit - TroubleFor()), _time)
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, giveUp.Token);
        try
        {
            var session = await _reconnect.ExecuteAsync(
                async ct =>
                {
                    Volatile.Write(ref _triedSinceProgress, 1);
                    return await _connector.ConnectAsync(ct);
                },
                linked.Token);
            if (lostAt is { } t)
            {
                _observer.Reconnected(_time.GetElapsedTime(t), Offset);
            }

            return session;
        }
        catch (OperationCanceledException) when (giveUp.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SessionKeeperException(
                FailureKind.ConnectionLost,
                $"gave up reconnecting to {_connector.HostLabel} after {_options.GiveUpAfter!.Value.TotalSeconds:0.#} s; the job keeps running there.")
            {
                GaveUpAfter = _options.GiveUpAfter,
            };
        }
    }

    /// <summary>How long the target has not been heard (through every connection since); zero when all is well.</summary>
    private TimeSpan TroubleFor() =>
        Interlocked.Read(ref _troubleSince) is var since and not 0 ? _time.GetElapsedTime(since) : TimeSpan.Zero;

    /// <summary>One remote helper's worth of stream (<paramref name="opened"/>'s, when given): null when it asked to be renewed.</summary>
    private async Task<JobStatus?> StreamOnceAsync(IRemoteSession session, OpenedStream? opened, CancellationToken cancellationToken)
    {
        var request = Request(_jobId, Offsets, _options, session.CanSendToStreams);
        var lastActivity = _time.GetTimestamp();

        // An opened stream has spoken already: its launch replies were its first words.
        long firstWord = opened is null ? 0 : lastActivity;
        var silenced = 0;
        IRemoteOutput? remote = opened?.Remote;
        var closed = 0;
        void Close()
        {
            if (Volatile.Read(ref remote) is { } open && Interlocked.Exchange(ref closed, 1) == 0)
            {
                open.Dispose();
            }
        }

        // Armed before the stream is opened: opening it is a round trip that SSH.NET never times
        // out, so a link that went silent right after the handshake must be cut here too.
        using var watchdog = _time.CreateTimer(
            _ =>
            {
                // Until the helper's first word the login shell's rc files are running: a slow one
                // must not look like a dead link, or the stream never starts.
                var spoken = Interlocked.Read(ref firstWord) != 0;
                var limit = spoken ? _options.DeadAfter : Max(_options.DeadAfter, _options.HelperStartTimeout);
                var silent = _time.GetElapsedTime(Interlocked.Read(ref lastActivity)) > limit;

                // Still nothing from the target on this connection, and --give-up-after is spent.
                var spent = !spoken && _options.GiveUpAfter is { } giveUp
                    && (Interlocked.Read(ref _troubleSince) is var since and not 0 ? since : Interlocked.Read(ref lastActivity)) is var from
                    && _time.GetElapsedTime(from) > giveUp;
                if ((silent || spent) && Interlocked.Exchange(ref silenced, 1) == 0)
                {
                    session.Abort();
                    Close();
                }
            },
            null,
            TimeSpan.FromMilliseconds(100),
            TimeSpan.FromMilliseconds(100));
        try
        {
            try
            {
                if (opened is null)
                {
                    Volatile.Write(ref remote, await session.OpenStreamAsync(request.ToRunnerRequest().ToPayload(), cancellationToken));
                }
            }
            catch (SessionKeeperException ex) when (Volatile.Read(ref silenced) == 1 && !cancellationToken.IsCancellationRequested)
            {
                throw new SessionKeeperException(FailureKind.ConnectionLost, $"no answer from {_connector.HostLabel} to the stream request", ex);
            }

            var reader = opened?.Reader ?? new StreamFrameReader(remote!.Output, _connector.HostLabel);

            if (Volatile.Read(ref silenced) == 1)
            {
                Close();
            }

            using var cancel = cancellationToken.Register(Close);

            // Reads block (SSH.NET streams are not truly asynchronous): a dedicated thread, not the pool.
            var result = await Task.Factory.StartNew(
                () => ReadLoop(remote!, reader, session.CanSendToStreams, () =>
                {
                    var now = _time.GetTimestamp();
                    Interlocked.Exchange(ref lastActivity, now);
                    Interlocked.Exchange(ref _lastHeard, now);
                    Interlocked.CompareExchange(ref firstWord, now, 0);

                    // Talking for a whole dead-after period since its first word: the link works (a
                    // word and then silence is cut by the watchdog before it gets here).
                    if (_time.GetElapsedTime(Interlocked.Read(ref firstWord)) >= _options.DeadAfter)
                    {
                        Progressed();
                    }
                }),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            cancellationToken.ThrowIfCancellationRequested();
            if (result.Status is { } status)
            {
                return status;
            }

            if (result.Renew)
            {
                return null;
            }

            throw new SessionKeeperException(
                FailureKind.ConnectionLost,
                silenced == 1
                    ? $"no heartbeat from {_connector.HostLabel} for {_options.DeadAfter.TotalSeconds:0.#} s"
                    : $"the stream from {_connector.HostLabel} ended unexpectedly");
        }
        finally
        {
            Close();
        }
    }

    /// <summary>Real progress (see _troubleSince): --give-up-after's clock stops until the next trouble.</summary>
    private void Progressed()
    {
        Interlocked.Exchange(ref _troubleSince, 0);
        Volatile.Write(ref _triedSinceProgress, 0);
    }

    /// <summary>
    /// Reads one helper's stream. With credit, the helper sends at most <see cref="AttachOptions.ChunkBytes"/>
    /// beyond what was delivered of both streams together, and is told to go on each time half of that has been delivered:
    /// SSH.NET buffers without back-pressure, so this bounds memory without a new exec per chunk.
    /// </summary>
    private (JobStatus? Status, bool Renew) ReadLoop(IRemoteOutput remote, StreamFrameReader reader, bool credit, Action alive)
    {
        var granted = Offset;
        while (true)
        {
            StreamEvent? next;
            try
            {
                next = reader.Next();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                return (null, false);
            }

            // The end of the stream is no word from the target: a link cut by the watchdog ends
            // here too, and must not count as heard (nor stop --give-up-after's clock).
            if (next is null)
            {
                return (null, false);
            }

            alive();
            switch (next)
            {
                case StreamEvent.Data data:
                    Deliver(data);
                    if (data.Bytes.Length > 0)
                    {
                        Progressed();
                    }

                    if (credit && Offset - granted >= _options.ChunkBytes / 2)
                    {
                        granted = Offset;
                        if (!TrySendCredit(remote, granted + _options.ChunkBytes))
                        {
                            return (null, false);
                        }
                    }

                    break;
                case StreamEvent.Reply { Line.Tag: ReplyTags.Error } error:
                    throw RemoteErrors.ToException(error.Line["code"] ?? "unknown", _connector.HostLabel, _jobId);
                case StreamEvent.Reply { Line.Tag: ReplyTags.Stream } started when started.Line["stdin"] == "open":
                    Interlocked.Exchange(ref _stdinOpen, null)?.Invoke();
                    break;
                case StreamEvent.Reply { Line.Tag: ReplyTags.More }:
                    return (null, true);
                case StreamEvent.Reply { Line.Tag: ReplyTags.Done } done:
                    return (Finished(done.Line), false);
                default:
                    break;
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static bool TrySendCredit(IRemoteOutput remote, long upTo)
    {
        try
        {
            remote.Send(System.Text.Encoding.ASCII.GetBytes(Protocol.CreditLine(upTo)));
            return true;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            return false;
        }
    }

    private void Deliver(StreamEvent.Data data)
    {
        var offset = Interlocked.Read(ref _delivered[(int)data.Stream]);
        if (data.Offset != offset)
        {
            throw new SessionKeeperException(FailureKind.ConnectionLost, $"{Name(data.Stream)} from {_connector.HostLabel} resumed at {data.Offset}, expected {offset}");
        }

        _mirror?.Append(data.Stream, offset, data.Bytes.Span);
        if (_outputs?.For(data.Stream) is { } output)
        {
            output.Write(data.Bytes.Span);
            output.Flush();
        }

        Interlocked.Add(ref _delivered[(int)data.Stream], data.Bytes.Length);
    }

    private static string Name(OutputKind stream) => stream switch
    {
        OutputKind.Stdout => "stdout",
        OutputKind.Stderr => "stderr",
        _ => "the log",
    };

    private JobStatus Finished(ReplyLine done) => Finished(done, Offsets, _jobId, _connector.HostLabel);

    /// <summary>The job's status from a stream's done reply, once every byte up to <paramref name="at"/> has been delivered (the reply's offsets must be those).</summary>
    internal static JobStatus Finished(ReplyLine done, StreamOffsets at, JobId jobId, string host)
    {
        var (sent, sentErr) = (done.Number("o"), done.Number("e"));
        var received = at.Stdout + at.Combined;
        if (sent != received || sentErr != at.Stderr)
        {
            throw new SessionKeeperException(FailureKind.ConnectionLost, $"stream from {host} ended at {done["o"]}+{done["e"]} bytes, received {received}+{at.Stderr}");
        }

        var fields = done.Fields.ToDictionary(StringComparer.Ordinal);
        fields["id"] = jobId.ToString();
        fields["out"] = done["o"] ?? "0";
        fields["err"] = done["e"] ?? "0";
        return StatusParser.Parse(new ReplyLine("status", fields), host) with { FromStreamEnd = true };
    }

    private static async Task DisposeQuietlyAsync(IRemoteSession session)
    {
        try
        {
            await session.DisposeAsync();
        }
        catch (Exception)
        {
            // A dead session may fail to say goodbye.
        }
    }
}
