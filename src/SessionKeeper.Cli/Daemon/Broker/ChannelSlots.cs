namespace SessionKeeper.Cli.Daemon.Broker;

/// <summary>
/// The channels of one pooled connection (<see cref="PooledConnection.ChannelLimit"/>, sshd's
/// MaxSessions default and SSH.NET's). A stream (a followed job, a foreground run) may run for
/// days, so streams never take the last slot: it stays for short requests (a launch, a status, a
/// kill), which wait a little for a slot at most (<see cref="ExecWait"/>). Whoever gets no slot is
/// told the daemon is busy and uses a connection of its own: nothing waits on the pool for long.
/// </summary>
internal sealed class ChannelSlots(int limit)
{
    /// <summary>How long a short request waits for a slot before it is told to go elsewhere.</summary>
    public static readonly TimeSpan ExecWait = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private int _used;
    private int _clientsWaiting;
    private TaskCompletionSource _freed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Slots not taken.</summary>
    public int Free
    {
        get
        {
            lock (_gate)
            {
                return limit - _used;
            }
        }
    }

    /// <summary>Whether a stream would get a slot now (one stays free for short requests).</summary>
    public bool HasStreamRoom => Free > 1;

    /// <summary>A stream's slot now, never the last one; false when there is none.</summary>
    public bool TryTakeStream() => TryTake(limit - 1);

    /// <summary>
    /// A short request's slot, waiting up to <paramref name="wait"/> for one; false when none came.
    /// While one waits, the daemon's own short requests leave it the last slot (they wait with no
    /// bound, and took it from under a CLI's launch often enough that the CLI was told busy).
    /// </summary>
    public async Task<bool> TakeExecAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(wait);
        Interlocked.Increment(ref _clientsWaiting);
        try
        {
            await TakeAsync(limit, deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _clientsWaiting);
            lock (_gate)
            {
                // Its turn is over: a daemon's request held back for it may take the last slot now.
                _freed.TrySetResult();
                _freed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>
    /// A stream's slot (never the last one), waiting as long as it takes: for the daemon's own
    /// supervision, which has nobody waiting on it and must not open a connection beyond the
    /// host's limit (a direct one per stream took a burst of 250 launches to 9 against 4).
    /// </summary>
    public Task TakeStreamAsync(CancellationToken cancellationToken) => TakeAsync(limit - 1, cancellationToken);

    /// <summary>A short request's slot, waiting as long as it takes (the daemon's own supervision, as <see cref="TakeStreamAsync"/>); the last one only while no client's request waits for it.</summary>
    public Task TakeExecAsync(CancellationToken cancellationToken) => TakeAsync(-1, cancellationToken);

    public void Release()
    {
        lock (_gate)
        {
            _used--;
            _freed.TrySetResult();
            _freed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private bool TryTake(int upTo)
    {
        lock (_gate)
        {
            if (_used >= upTo)
            {
                return false;
            }

            _used++;
            return true;
        }
    }

    /// <summary>Takes a slot below <paramref name="upTo"/>; -1: below the limit, or below the last slot while a client's request waits.</summary>
    private async Task TakeAsync(int upTo, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task freed;
            lock (_gate)
            {
                var below = upTo >= 0 ? upTo : Volatile.Read(ref _clientsWaiting) > 0 ? limit - 1 : limit;
                if (_used < below)
                {
                    _used++;
                    return;
                }

                freed = _freed.Task;
            }

            await freed.WaitAsync(cancellationToken);
        }
    }
}
