namespace SessionKeeper.Core.Streaming;

/// <summary>Exponential backoff with full jitter: a uniform delay in [0, min(cap, base * 2^attempt)).</summary>
public static class FullJitterBackoff
{
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan cap, Random random)
    {
        var ceiling = Math.Min(cap.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
    }
}
