using System.Runtime.CompilerServices;
using System.Threading.Channels;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper;

/// <summary>
/// Turns a supervision (observer callbacks and output writes) into a pull-based sequence of
/// <see cref="JobEvent"/>s. Output waits for the consumer (at most <see cref="OutputInFlight"/>
/// chunks are queued), so a slow consumer slows the stream's credit and memory stays bounded.
/// </summary>
internal sealed class JobEventPump : ISupervisionObserver, IAttachObserver, IDisposable
{
    private const int OutputInFlight = 16;
    private readonly Channel<JobEvent> _events = Channel.CreateUnbounded<JobEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _outputSlots = new(OutputInFlight, OutputInFlight);
    // Of the current attempt's output, per stream; written only by the supervising task.
    private readonly long[] _offsets = new long[3];

    /// <summary>Where the supervision writes: each stream to its own events.</summary>
    public JobStreams Output => new(new EventStream(this, OutputKind.Stdout), new EventStream(this, OutputKind.Stderr));

    /// <summary>
    /// Runs <paramref name="supervise"/> with this pump as its observer and output, yielding what it
    /// reports; its token is cancelled by <paramref name="stop"/> (detach) or when the consumer stops
    /// enumerating early (also a detach: the job runs on).
    /// </summary>
    public static async IAsyncEnumerable<JobEvent> RunAsync(
        Func<JobEventPump, CancellationToken, Task<JobResult>> supervise,
        [EnumeratorCancellation] CancellationToken stop)
    {
        using var pump = new JobEventPump();
        await foreach (var e in pump.PumpAsync(supervise, stop))
        {
            yield return e;
        }
    }

    public void Dispose() => _outputSlots.Dispose();

    private async IAsyncEnumerable<JobEvent> PumpAsync(Func<JobEventPump, CancellationToken, Task<JobResult>> supervise, [EnumeratorCancellation] CancellationToken stop)
    {
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var work = Task.Run(
            async () =>
            {
                try
                {
                    var result = await supervise(this, abandon.Token);
                    _events.Writer.TryWrite(new JobEvent.Finished(result));
                    _events.Writer.TryComplete();
                }
                catch (Exception ex)
                {
                    _events.Writer.TryComplete(ex);
                }
            },
            CancellationToken.None);
        try
        {
            await foreach (var e in _events.Reader.ReadAllAsync(CancellationToken.None))
            {
                if (e is JobEvent.Output)
                {
                    _outputSlots.Release();
                }

                yield return e;
            }
        }
        finally
        {
            // A consumer that stops early detaches: the job runs on.
            await abandon.CancelAsync();
            await work;
        }
    }

    public IAttachObserver ForStream(JournalJob job) => this;

    public void Launched(JournalJob job, JobStatus status) => Post(new JobEvent.Launched(job.Id, status));

    public void Restarting(JournalJob finished, JobStatus status, int nextAttempt, TimeSpan delay)
    {
        Array.Clear(_offsets);
        Post(new JobEvent.Restarting(finished.Id, status, nextAttempt, delay));
    }

    public void LaunchRetry(JournalJob job, string reason) => Post(new JobEvent.Warning(job.Id, $"launch interrupted ({reason.TrimEnd('.')}); retrying with the same id."));

    public void Warning(JournalJob job, string warning) => Post(new JobEvent.Warning(job.Id, warning));

    public void Disconnected(long offset, string reason) => Post(new JobEvent.Disconnected(reason, offset));

    public void Retrying(int attempt, TimeSpan delay, string reason) => Post(new JobEvent.Retrying(attempt, delay, reason));

    public void Reconnected(TimeSpan gap, long offset) => Post(new JobEvent.Reconnected(gap, offset));

    private void Post(JobEvent e) => _events.Writer.TryWrite(e);

    private sealed class EventStream(JobEventPump pump, OutputKind stream) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                return;
            }

            await pump._outputSlots.WaitAsync(cancellationToken);
            pump.Post(new JobEvent.Output(stream, pump._offsets[(int)stream], buffer.ToArray()));
            pump._offsets[(int)stream] += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
