using System.Globalization;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// Follows a process's peak resident memory (VmHWM in /proc/PID/status) while it runs. VmHWM only
/// grows, so the last value read before exit is the peak up to then; polling every 20 ms misses at
/// most the last 20 ms of the process's life.
/// </summary>
public sealed class PeakMemory : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _poll;
    private long _peakKiB;

    public PeakMemory(int pid)
    {
        _poll = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                if (Read(pid) is { } kib)
                {
                    InterlockedMax(kib);
                }

                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    public long PeakKiB => Interlocked.Read(ref _peakKiB);

    public double PeakMiB => PeakKiB / 1024.0;

    public static long? Read(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone.
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _poll;
        _stop.Dispose();
    }

    private void InterlockedMax(long value)
    {
        var current = Interlocked.Read(ref _peakKiB);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref _peakKiB, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
