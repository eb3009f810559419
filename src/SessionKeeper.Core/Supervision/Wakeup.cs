namespace SessionKeeper.Core.Supervision;

/// <summary>
/// A coalesced wake-up for one waiting loop: any number of <see cref="Set"/> calls while the loop
/// is busy or waiting wake it once, and a <see cref="Set"/> is never lost (one made before the
/// wait is taken by it at once). The waiter is one loop at a time; any thread may set it.
/// </summary>
internal sealed class Wakeup
{
    private readonly Lock _gate = new();
    private TaskCompletionSource? _waiting;
    private bool _pending;

    /// <summary>Wakes the loop (now if it waits, else at its next wait); several calls before it wakes are one.</summary>
    public void Set()
    {
        TaskCompletionSource waiting;
        lock (_gate)
        {
            if (_waiting is null)
            {
                _pending = true;
                return;
            }

            waiting = _waiting;
            _waiting = null;
        }

        waiting.TrySetResult();
    }

    /// <summary>
    /// Waits until <see cref="Set"/> (true; at once when it was set since the last wait) or until
    /// <paramref name="timeout"/> on <paramref name="time"/> has passed (false).
    /// </summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiting;
        lock (_gate)
        {
            if (_pending)
            {
                _pending = false;
                return true;
            }

            waiting = _waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await Task.WhenAny(waiting.Task, Task.Delay(timeout, time, stop.Token)).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            lock (_gate)
            {
                if (_waiting == waiting)
                {
                    _waiting = null;
                }
            }
        }

        // A Set that came as the time ran out woke this wait all the same: it is not kept for the next.
        cancellationToken.ThrowIfCancellationRequested();
        return waiting.Task.IsCompleted;
    }
}
