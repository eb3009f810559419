namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>
/// "Something changed" signal for async waiters. Take <see cref="NextChange"/> before checking
/// the condition, then await it: no change can slip between the check and the wait.
/// </summary>
internal sealed class ChangeNotifier
{
    private TaskCompletionSource _next = NewSource();

    public Task NextChange => Volatile.Read(ref _next).Task;

    public void Notify() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    public async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (true)
        {
            var next = NextChange;
            if (condition())
            {
                return;
            }

            await next.WaitAsync(ct);
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
