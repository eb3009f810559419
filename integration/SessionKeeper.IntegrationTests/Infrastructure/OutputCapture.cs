namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>Reads a stream to its end in the background, keeping every byte (binary-safe).</summary>
internal sealed class OutputCapture
{
    private readonly Lock _gate = new();
    private readonly ChangeNotifier _changed = new();
    private byte[] _buffer = new byte[4096];
    private int _length;

    /// <summary>
    /// Reads on a thread of its own, not the pool: a child's last bytes are taken as soon as they
    /// are written, however busy the pool is. Under load a pool-driven read of a `run -d`'s id once
    /// came later than <see cref="CliProcess.DrainTimeout"/> after the child's exit, and the test
    /// saw an empty stdout from a run that had printed its id and exited 0.
    /// </summary>
    public OutputCapture(Stream stream)
    {
        Completion = Task.Factory.StartNew(() => Pump(stream), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Completes at end of stream (or when the stream breaks).</summary>
    public Task Completion { get; }

    public int Length
    {
        get
        {
            lock (_gate)
            {
                return _length;
            }
        }
    }

    public byte[] Snapshot()
    {
        lock (_gate)
        {
            return _buffer.AsSpan(0, _length).ToArray();
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the bytes so far, or the stream ends.</summary>
    public Task WaitUntilAsync(Func<byte[], bool> condition, CancellationToken ct) =>
        _changed.WaitUntilAsync(() => Completion.IsCompleted || condition(Snapshot()), ct);

    private void Pump(Stream stream)
    {
        var chunk = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                Append(chunk.AsSpan(0, read));
                _changed.Notify();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The child went away or we closed our end: keep what we have.
        }
        finally
        {
            _changed.Notify();
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (_length + data.Length > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + data.Length));
            }

            data.CopyTo(_buffer.AsSpan(_length));
            _length += data.Length;
        }
    }
}
