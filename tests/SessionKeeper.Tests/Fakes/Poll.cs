namespace SessionKeeper.Tests.Fakes;

/// <summary>Waits for a condition: a poll with a generous overall timeout, never a fixed pause.</summary>
public static class Poll
{
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    public static async Task UntilAsync(Func<bool> condition, string description, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? Generous);
        while (!condition())
        {
            if (limit.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out after {(timeout ?? Generous).TotalSeconds:0} s waiting for {description}");
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }

    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string description, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? Generous);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (limit.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out after {(timeout ?? Generous).TotalSeconds:0} s waiting for {description}; last: {value}");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }
}
