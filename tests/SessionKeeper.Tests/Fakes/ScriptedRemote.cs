using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Tests.Fakes;

/// <summary>
/// A fake clock that counts the timers created on it (a timer is how code waits on it), and the
/// one-shot timers armed now: a delay or a deadline that only this clock's hand can end.
/// </summary>
public sealed class CountingFakeTime : FakeTimeProvider
{
    private int _timers;
    private int _armedOneShots;

    public int Timers => Volatile.Read(ref _timers);

    /// <summary>One-shot timers set and neither fired nor disposed (a periodic timer never counts).</summary>
    public int ArmedOneShots => Volatile.Read(ref _armedOneShots);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // Armed before it exists: a timer due now may fire while it is being made.
        var timer = new TrackedTimer(this, TrackedTimer.IsOneShot(dueTime, period));
        timer.Inner = base.CreateTimer(timer.Fire(callback), state, dueTime, period);
        Interlocked.Increment(ref _timers);
        return timer;
    }

    private sealed class TrackedTimer : ITimer
    {
        private readonly CountingFakeTime _clock;
        private int _armed;

        public TrackedTimer(CountingFakeTime clock, bool oneShot)
        {
            _clock = clock;
            Arm(oneShot);
        }

        public ITimer? Inner { get; set; }

        /// <summary>The callback, disarming a one-shot timer before it runs: once it fires, nothing waits on it.</summary>
        public TimerCallback Fire(TimerCallback callback) => state =>
        {
            Arm(false);
            callback(state);
        };

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Arm(IsOneShot(dueTime, period));
            return Inner!.Change(dueTime, period);
        }

        public void Dispose()
        {
            Arm(false);
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        public static bool IsOneShot(TimeSpan dueTime, TimeSpan period) =>
            dueTime != Timeout.InfiniteTimeSpan && (period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero);

        private void Arm(bool armed)
        {
            if (Interlocked.Exchange(ref _armed, armed ? 1 : 0) != (armed ? 1 : 0))
            {
                Interlocked.Add(ref _clock._armedOneShots, armed ? 1 : -1);
            }
        }
    }
}

/// <summary>
/// A remote helper's stdout fed by the test, line by line. <see cref="Drained"/> is true when the
/// reader has taken everything fed and is blocked for more: the frame before was fully handled.
/// </summary>
public sealed class ScriptedStream : Stream
{
    private readonly BlockingCollection<byte[]> _chunks = [];
    private readonly CancellationTokenSource _closed = new();
    private byte[] _current = [];
    private int _position;
    private int _fed;
    private int _taken;
    private int _waitingAt = -1;

    /// <summary>Completed (and replaced) each time the reader starts to wait for more.</summary>
    private TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The reader has taken every line fed and waits for more: what it took was handled.</summary>
    public bool Drained => Volatile.Read(ref _waitingAt) == Volatile.Read(ref _fed);

    /// <summary>
    /// Waits until <see cref="Drained"/>, woken by the reader itself each time it starts to wait:
    /// thousands of frames in a row cost no poll interval each.
    /// </summary>
    public async Task UntilDrainedAsync(string description, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Poll.Generous;
        using var deadline = new CancellationTokenSource(limit);
        while (true)
        {
            // Taken before the check: a wait that starts after the check completes this one.
            var waiting = Volatile.Read(ref _waiting);
            if (Drained)
            {
                return;
            }

            try
            {
                await waiting.Task.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out after {limit.TotalSeconds:0} s waiting for {description}");
            }
        }
    }

    public bool IsClosed => _closed.IsCancellationRequested;

    public void Feed(string line)
    {
        Interlocked.Increment(ref _fed);
        _chunks.Add(Encoding.ASCII.GetBytes(line + "\n"));
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_position == _current.Length)
        {
            Volatile.Write(ref _waitingAt, _taken);
            Interlocked.Exchange(ref _waiting, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            try
            {
                _current = _chunks.Take(_closed.Token);
                _position = 0;
            }
            catch (OperationCanceledException)
            {
                return 0;
            }
            finally
            {
                Volatile.Write(ref _waitingAt, -1);
            }

            Interlocked.Increment(ref _taken);
        }

        var n = Math.Min(count, _current.Length - _position);
        Array.Copy(_current, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        _closed.Cancel();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>
/// One session whose single stream is a <see cref="ScriptedStream"/>; records Abort. With
/// <paramref name="openHangs"/> the stream request is never answered (a link silent right after
/// the handshake): opening it waits until the session is aborted, then fails as a lost connection.
/// </summary>
public sealed class ScriptedSession(bool openHangs = false) : IRemoteSession, IRemoteOutput
{
    private readonly CancellationTokenSource _lost = new();
    private int _aborted;
    private int _openWaiting;

    public ScriptedStream Stream { get; } = new();

    public bool Aborted => Volatile.Read(ref _aborted) == 1;

    /// <summary>The stream request is waiting for an answer that never comes (until the session is aborted).</summary>
    public bool OpenWaiting => Volatile.Read(ref _openWaiting) == 1;

    public string HostLabel => "scripted";

    public CancellationToken Lost => _lost.Token;

    Stream IRemoteOutput.Output => Stream;

    public Task<byte[]> ExecAsync(byte[] stdin, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public async Task<IRemoteOutput> OpenStreamAsync(byte[] stdin, CancellationToken cancellationToken = default)
    {
        if (openHangs)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lost.Token);
            Volatile.Write(ref _openWaiting, 1);
            await Task.Delay(Timeout.Infinite, linked.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            Volatile.Write(ref _openWaiting, 0);
            throw new SessionKeeperException(FailureKind.ConnectionLost, "the connection to scripted was lost.");
        }

        return this;
    }

    public void Abort()
    {
        Interlocked.Exchange(ref _aborted, 1);
        _lost.Cancel();
    }

    public void Dispose() => Stream.Dispose();

    public ValueTask DisposeAsync()
    {
        Stream.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Connects per a script: each attempt either fails (retryable, like a refused connection), hangs
/// until cancelled (a black-holed handshake), or returns the next <see cref="ScriptedSession"/>.
/// </summary>
public sealed class ScriptedConnector(Func<int, ScriptedConnector.Outcome> script) : IRemoteConnector
{
    public enum Outcome
    {
        Fail,
        Hang,
        Connect,

        /// <summary>Connects, then never answers the stream request.</summary>
        ConnectSilent,
    }

    private int _attempts;
    private int _hanging;

    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Connection attempts waiting until cancelled (<see cref="Outcome.Hang"/>).</summary>
    public int Hanging => Volatile.Read(ref _hanging);

    public ConcurrentQueue<ScriptedSession> Sessions { get; } = new();

    public string HostLabel => "scripted";

    public async Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var attempt = Interlocked.Increment(ref _attempts);
        var outcome = script(attempt);
        switch (outcome)
        {
            case Outcome.Fail:
                throw new SessionKeeperException(FailureKind.Unreachable, $"attempt {attempt} refused");
            case Outcome.Hang:
                Interlocked.Increment(ref _hanging);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                finally
                {
                    Interlocked.Decrement(ref _hanging);
                }

                throw new InvalidOperationException("unreachable");
            default:
                var session = new ScriptedSession(openHangs: outcome == Outcome.ConnectSilent);
                Sessions.Enqueue(session);
                return session;
        }
    }
}

/// <summary>Records what an Attacher reports.</summary>
public sealed class RecordingAttachObserver : IAttachObserver
{
    public ConcurrentQueue<string> Disconnects { get; } = new();

    public ConcurrentQueue<(int Attempt, TimeSpan Delay)> Retries { get; } = new();

    public void Disconnected(long offset, string reason) => Disconnects.Enqueue(reason);

    public void Retrying(int attempt, TimeSpan delay, string reason) => Retries.Enqueue((attempt, delay));

    public void Reconnected(TimeSpan gap, long offset)
    {
    }
}
