using System.Diagnostics;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>
/// Polls a condition until it holds or a deadline passes (never a bare sleep). A description
/// given as a function is made when the time is out, so what it quotes (a process's stderr) is
/// what there was by then, not when the wait began.
/// </summary>
public static class Poll
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(20);

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string description, CancellationToken ct = default) =>
        UntilAsync(condition, timeout, () => description, ct);

    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> description, CancellationToken ct = default)
    {
        await ValueAsync(() => condition() ? true : (bool?)null, timeout, description, ct);
    }

    /// <summary>Polls <paramref name="probe"/> until it returns a non-null value and returns it.</summary>
    public static Task<T> ValueAsync<T>(Func<T?> probe, TimeSpan timeout, string description, CancellationToken ct = default)
        where T : struct =>
        ValueAsync(probe, timeout, () => description, ct);

    public static async Task<T> ValueAsync<T>(Func<T?> probe, TimeSpan timeout, Func<string> description, CancellationToken ct = default)
        where T : struct
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            if (clock.Elapsed >= timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.###} s waiting for {description()}.");
            }

            await Task.Delay(DefaultInterval, ct);
        }
    }

    /// <summary>Reference-type flavour of <see cref="ValueAsync{T}(Func{T?}, TimeSpan, string, CancellationToken)"/>.</summary>
    public static Task<T> ObjectAsync<T>(Func<T?> probe, TimeSpan timeout, string description, CancellationToken ct = default)
        where T : class =>
        ObjectAsync(probe, timeout, () => description, ct);

    public static async Task<T> ObjectAsync<T>(Func<T?> probe, TimeSpan timeout, Func<string> description, CancellationToken ct = default)
        where T : class
    {
        T? found = null;
        await UntilAsync(() => (found = probe()) is not null, timeout, description, ct);
        return found!;
    }
}
