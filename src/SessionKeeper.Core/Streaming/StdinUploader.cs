using System.Buffers;
using System.Text;
using System.Threading.Channels;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper.Core.Streaming;

/// <summary>How an upload of a job's stdin ended.</summary>
internal enum StdinOutcome
{
    /// <summary>Every byte is in the spool on the target and the spool is closed there: the job reads end-of-file after them.</summary>
    Complete,

    /// <summary>The job ended before it was given everything (as under ssh, the rest is not sent).</summary>
    JobEnded,
}

/// <summary>
/// Carries a source (our stdin) into a job's stdin spool on the target, through any number of
/// dropped connections, each byte exactly once: the target says how much its spool holds, and
/// every upload call sends from exactly there. Bytes leave this process's memory only once the
/// target has acknowledged them (its spool holds them), so memory is bounded by one window
/// (<see cref="WindowBytes"/>) plus the reader's queue, whatever the input's size.
/// </summary>
/// <remarks>
/// One call: open the upload verb, read "upload in=N", send the unacknowledged bytes from N on
/// and then what the source gives, reading the runner's "acked in=M" lines as they come and
/// waiting for them whenever a window is unacknowledged; at the source's end close our side and
/// read "uploaded in=M". End-of-file of the source becomes the spool's end (SK_IN_END; a call
/// that met it only midway leaves it to one more call, which closes the spool at once). A call
/// that makes no progress for the dead-after time (a write blocked on a window that never reopens,
/// an acknowledgement or reply that never comes) is a dead link: its connection is aborted and a
/// new one is made with the stream's backoff.
/// </remarks>
internal sealed class StdinUploader
{
    /// <summary>Bytes sent and not yet acknowledged, at most: the sender waits for the target beyond it.</summary>
    public const int WindowBytes = 4 * 1024 * 1024;


    // Below the large-object heap's threshold (85,000 bytes): pieces come and go with each
    // acknowledgement, and large objects would only be freed by full collections.
    private const int PieceBytes = 64 * 1024;

    private readonly IRemoteConnector _connector;
    private readonly JobId _jobId;
    private readonly Stream _source;
    private readonly AttachOptions _options;
    private readonly Action<long>? _acknowledged;
    private readonly TimeProvider _time;
    private readonly Polly.ResiliencePipeline _reconnect;
    private readonly Channel<ArraySegment<byte>> _pieces = Channel.CreateBounded<ArraySegment<byte>>(new BoundedChannelOptions(16) { SingleReader = true, SingleWriter = true });

    // Bytes read from the source and not yet acknowledged in whole, oldest first; the first starts at
    // _pendingFrom. _confirmed is what the target last said its spool holds (it may end inside a piece).
    private readonly LinkedList<ArraySegment<byte>> _pending = new();
    private long _pendingFrom;
    private long _confirmed;
    private long _read;
    private bool _eof;

    /// <param name="connector">Opens connections to the job's host.</param>
    /// <param name="jobId">The job whose spool is filled (launched with a spool).</param>
    /// <param name="source">What the job reads; read to its end on a thread of its own.</param>
    /// <param name="options">Dead-after, backoff and give-up times, as the stream's.</param>
    /// <param name="acknowledged">Told the spool's size each time the target confirms more.</param>
    /// <param name="timeProvider">The clock of the watchdog and the backoff.</param>
    public StdinUploader(IRemoteConnector connector, JobId jobId, Stream source, AttachOptions options, Action<long>? acknowledged = null, TimeProvider? timeProvider = null)
    {
        _connector = connector;
        _jobId = jobId;
        _source = source;
        _options = options;
        _acknowledged = acknowledged;
        _time = timeProvider ?? TimeProvider.System;
        _reconnect = Reconnect.Pipeline(RetryPolicy.From(options), _time, Reconnect.SharedRandom, (_, _, _) => { });
    }

    /// <summary>How long one upload call lasts before another replaces it, well within the runner's own deadline for a call (900 s).</summary>
    public TimeSpan CallTime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Bytes the target has acknowledged.</summary>
    public long Acknowledged => Interlocked.Read(ref _confirmed);

    /// <summary>Uploads the whole source; returns when the spool is complete or the job has ended.</summary>
    public async Task<StdinOutcome> RunAsync(CancellationToken cancellationToken = default)
    {
        // Reads of a pipe block and cannot be cancelled: a thread of their own, handing pieces over
        // through a small bounded queue (the back-pressure that keeps memory bounded).
        _ = Task.Factory.StartNew(() => ReadSource(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        IRemoteSession? session = null;
        long? troubleSince = null;
        try
        {
            while (true)
            {
                session ??= await ConnectAsync(troubleSince, cancellationToken);
                try
                {
                    var outcome = await Task.Factory.StartNew(
                        () => CallAsync(session, cancellationToken),
                        CancellationToken.None,
                        TaskCreationOptions.LongRunning,
                        TaskScheduler.Default).Unwrap();
                    troubleSince = null;
                    if (outcome is { } done)
                    {
                        return done;
                    }
                }
                catch (SessionKeeperException ex) when (ex.IsRetryable && !cancellationToken.IsCancellationRequested)
                {
                    troubleSince ??= _time.GetTimestamp();
                    await DisposeQuietlyAsync(session);
                    session = null;
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
            }
        }
        finally
        {
            if (session is not null)
            {
                await DisposeQuietlyAsync(session);
            }
        }
    }

    private void ReadSource(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // Pooled: 200 MiB through fresh arrays would grow the heap for nothing.
                var buffer = ArrayPool<byte>.Shared.Rent(PieceBytes);
                var n = _source.Read(buffer, 0, PieceBytes);
                if (n == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }

                _pieces.Writer.WriteAsync(new ArraySegment<byte>(buffer, 0, n), cancellationToken).AsTask().GetAwaiter().GetResult();
            }

            _pieces.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _pieces.Writer.TryComplete(ex is OperationCanceledException ? null : new IOException($"cannot read the job's stdin: {ex.Message}", ex));
        }
    }

    private async Task<IRemoteSession> ConnectAsync(long? troubleSince, CancellationToken cancellationToken)
    {
        var left = _options.GiveUpAfter is { } limit ? limit - (troubleSince is { } t ? _time.GetElapsedTime(t) : TimeSpan.Zero) : (TimeSpan?)null;
        using var giveUp = left is { } l ? new CancellationTokenSource(l > TimeSpan.Zero ? l : TimeSpan.Zero, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, giveUp.Token);
        try
        {
            return await _reconnect.ExecuteAsync(async ct => await _connector.ConnectAsync(ct), linked.Token);
        }
        catch (OperationCanceledException) when (giveUp.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SessionKeeperException(
                FailureKind.ConnectionLost,
                $"gave up uploading stdin to {_connector.HostLabel} after {_options.GiveUpAfter!.Value.TotalSeconds:0.#} s; the job keeps running there, and its stdin is left open at {Acknowledged} byte(s).")
            {
                GaveUpAfter = _options.GiveUpAfter,
            };
        }
    }

    /// <summary>One upload call; the outcome when the upload is over, null when another call is needed.</summary>
    private async Task<StdinOutcome?> CallAsync(IRemoteSession session, CancellationToken cancellationToken)
    {
        var request = new UploadRequest(_jobId, _eof ? _read : null);
        var lastProgress = _time.GetTimestamp();
        var spoken = 0;
        var silenced = 0;
        IRemoteOutput? remote = null;
        void Progress() => Interlocked.Exchange(ref lastProgress, _time.GetTimestamp());

        // Until the runner's first word the login shell's rc files run: as for the stream, a slow one is not a dead link.
        // While waiting for our own source nothing is expected of the target.
        var waitingForSource = 0;
        using var watchdog = _time.CreateTimer(
            _ =>
            {
                var limit = Volatile.Read(ref spoken) == 1 ? _options.DeadAfter : Max(_options.DeadAfter, _options.HelperStartTimeout);
                if (Volatile.Read(ref waitingForSource) == 0 && _time.GetElapsedTime(Interlocked.Read(ref lastProgress)) > limit
                    && Interlocked.Exchange(ref silenced, 1) == 0)
                {
                    session.Abort();
                    Volatile.Read(ref remote)?.Dispose();
                }
            },
            null,
            TimeSpan.FromMilliseconds(100),
            TimeSpan.FromMilliseconds(100));
        using var cancel = cancellationToken.Register(() => Volatile.Read(ref remote)?.Dispose());
        try
        {
            Volatile.Write(ref remote, await session.OpenStreamAsync(request.ToRunnerRequest().ToPayload(), cancellationToken));
            var reader = new ReplyReader(remote!.Output, session.HostLabel);
            var first = reader.ReadUntil(ReplyTags.Upload, _jobId);
            Volatile.Write(ref spoken, 1);
            Progress();
            var held = Acknowledge(first.Number("in"), session.HostLabel);
            if (first.Number("eof") is { } closedAt)
            {
                reader.ReadToEnd(_jobId);
                return closedAt == _read && _eof
                    ? StdinOutcome.Complete
                    : throw new SessionKeeperException(FailureKind.RemoteError, $"the stdin of job '{_jobId}' on {session.HostLabel} was closed at {closedAt} byte(s) by someone else; {_read} were read here.");
            }

            if (first["ended"] == "1")
            {
                reader.ReadToEnd(_jobId);
                return StdinOutcome.JobEnded;
            }

            // The unacknowledged bytes from what the spool holds on, then new ones from the source.
            var position = _pendingFrom;
            foreach (var piece in _pending)
            {
                var skip = (int)Math.Clamp(held - position, 0, piece.Count);
                Send(remote, piece.AsSpan(skip), Progress);
                position += piece.Count;
            }

            // The runner acknowledges what the spool holds while the call lasts ("acked in=N", and
            // "ended=1" once the job has ended): a reader of its own takes those in, and the sender
            // waits for them whenever a window's worth is unacknowledged.
            using var acked = new SemaphoreSlim(0);
            using var over = new CancellationTokenSource();
            ReplyLine? uploaded = null;
            var ended = 0;
            var acks = Task.Factory.StartNew(
                () =>
                {
                    try
                    {
                        while (reader.ReadLine() is { } line)
                        {
                            if (line.Tag is ReplyTags.Acked or ReplyTags.Uploaded)
                            {
                                lock (_pending)
                                {
                                    Acknowledge(line.Number("in"), session.HostLabel);
                                }

                                Progress();
                                uploaded = line.Tag == ReplyTags.Uploaded ? line : uploaded;
                                if (line["ended"] == "1")
                                {
                                    Volatile.Write(ref ended, 1);
                                }

                                acked.Release();
                            }

                            if (line.Tag == ReplyTags.Error)
                            {
                                reader.ReadToEnd(_jobId);
                            }
                        }

                        reader.ReadToEnd(_jobId);
                    }
                    finally
                    {
                        over.Cancel();
                        acked.Release();
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, over.Token);
            var opened = _time.GetTimestamp();
            while (!_eof && Volatile.Read(ref ended) == 0 && !over.IsCancellationRequested && _time.GetElapsedTime(opened) < CallTime)
            {
                if (_read - Acknowledged >= WindowBytes)
                {
                    await acked.WaitAsync(stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                    continue;
                }

                Volatile.Write(ref waitingForSource, 1);
                ArraySegment<byte>? next;
                try
                {
                    next = await NextPieceAsync(CallTime - _time.GetElapsedTime(opened), stop.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    next = null; // the call is over (the job ended, or the link failed: the reader says which)
                }
                finally
                {
                    Progress();
                    Volatile.Write(ref waitingForSource, 0);
                }

                if (next is not { } piece)
                {
                    break; // the call's time is up, the job has ended, or the call is over
                }

                if (piece.Count == 0)
                {
                    _eof = true;
                    break;
                }

                lock (_pending)
                {
                    _pending.AddLast(piece);
                    _read += piece.Count;
                }

                Send(remote, piece, Progress);
            }

            if (!over.IsCancellationRequested)
            {
                remote.CloseInput();
            }

            await acks;
            if (uploaded is null)
            {
                throw new IOException($"the reply from {session.HostLabel} ended without '{ReplyTags.Uploaded}'.");
            }

            if (uploaded.Number("eof") is { } end && end == _read && _eof)
            {
                return StdinOutcome.Complete;
            }

            return Volatile.Read(ref ended) == 1 ? StdinOutcome.JobEnded : null;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new SessionKeeperException(
                FailureKind.ConnectionLost,
                Volatile.Read(ref silenced) == 1 ? $"no progress uploading stdin to {session.HostLabel}" : $"the connection to {session.HostLabel} was lost while uploading stdin",
                ex);
        }
        finally
        {
            Volatile.Read(ref remote)?.Dispose();
        }
    }

    /// <summary>The next piece of the source; empty at its end, null when <paramref name="wait"/> passed first.</summary>
    private async Task<ArraySegment<byte>?> NextPieceAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (wait <= TimeSpan.Zero)
        {
            return null;
        }

        using var timeout = new CancellationTokenSource(wait, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await _pieces.Reader.WaitToReadAsync(linked.Token) && _pieces.Reader.TryRead(out var piece) ? piece : ArraySegment<byte>.Empty;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Drops what the target holds from the pending bytes; returns what it holds.</summary>
    private long Acknowledge(long? held, string host)
    {
        if (held is not { } n || n < _confirmed || n > _read)
        {
            throw new SessionKeeperException(
                FailureKind.RemoteError,
                $"the stdin spool of job '{_jobId}' on {host} holds {held?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "an unreadable number of"} byte(s), " +
                $"but {_confirmed} were acknowledged and {_read} read here: it was changed on the target. Nothing more is sent.");
        }

        // A partly acknowledged piece stays whole in the queue; its acknowledged part is skipped when resent.
        while (_pending.First is { } first && _pendingFrom + first.Value.Count <= n)
        {
            _pendingFrom += first.Value.Count;
            _pending.RemoveFirst();
            ArrayPool<byte>.Shared.Return(first.Value.Array!);
        }

        if (n > _confirmed)
        {
            Interlocked.Exchange(ref _confirmed, n);
            _acknowledged?.Invoke(n);
        }

        return n;
    }

    private static void Send(IRemoteOutput remote, ReadOnlySpan<byte> bytes, Action progress)
    {
        const int slice = 64 * 1024;
        while (!bytes.IsEmpty)
        {
            var part = bytes[..Math.Min(slice, bytes.Length)];
            remote.Send(part);
            progress();
            bytes = bytes[part.Length..];
        }
    }

    private static async Task DisposeQuietlyAsync(IRemoteSession session)
    {
        try
        {
            await session.DisposeAsync();
        }
        catch (Exception)
        {
            // A session on a dead link may fail to close; it is gone either way.
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Reads a runner's reply lines from a live channel, one at a time, blocking.</summary>
    private sealed class ReplyReader(Stream output, string host)
    {
        private readonly List<ReplyLine> _seen = [];
        private readonly List<byte> _line = [];
        private bool _ended;

        /// <summary>The first reply line with <paramref name="tag"/>; an error reply throws its failure.</summary>
        public ReplyLine ReadUntil(string tag, JobId id)
        {
            while (ReadLine() is { } line)
            {
                if (line.Tag == ReplyTags.Error)
                {
                    ReadToEnd(id);
                }

                if (line.Tag == tag)
                {
                    return line;
                }

                if (line.Tag == ReplyTags.End)
                {
                    ReplyParser.ThrowIfError(_seen, host, id);
                    break;
                }
            }

            throw new IOException($"the reply from {host} ended without '{tag}'.");
        }

        /// <summary>Reads up to the reply's "end"; an error in it throws its failure.</summary>
        public void ReadToEnd(JobId id)
        {
            while (!_ended && ReadLine() is not null)
            {
            }

            ReplyParser.ThrowIfError(_seen, host, id);
            if (!_ended)
            {
                throw new IOException($"the reply from {host} was cut short.");
            }
        }

        /// <summary>The next reply line; null once the output has ended.</summary>
        public ReplyLine? ReadLine()
        {
            while (true)
            {
                var b = output.ReadByte();
                if (b < 0)
                {
                    return null;
                }

                if (b != '\n')
                {
                    _line.Add((byte)b);
                    continue;
                }

                var text = Encoding.UTF8.GetString([.. _line]).TrimEnd('\r');
                _line.Clear();
                if (!text.StartsWith(Protocol.ReplyPrefix, StringComparison.Ordinal))
                {
                    continue; // noise from the login shell
                }

                var line = ReplyParser.ParseLine(text.AsSpan(Protocol.ReplyPrefix.Length), host);
                _seen.Add(line);
                _ended |= line.Tag == ReplyTags.End;
                return line;
            }
        }
    }
}
