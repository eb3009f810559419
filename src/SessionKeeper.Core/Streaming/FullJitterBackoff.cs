namespace SessionKeeper.Core.Streaming;

/// <summary>Exponential backoff with full jitter: a uniform delay in [0, min(cap, base * 2^attempt)).</summary>
internal static class FullJitterBackoff
{
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan cap, Random random) => Delay(attempt, initial, cap, random.NextDouble);

    /// <summary>The delay from <paramref name="random"/>, a source of uniform values in [0, 1).</summary>
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan cap, Func<double> random)
    {
        var ceiling = Math.Min(cap.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(random() * ceiling);
    }
}
