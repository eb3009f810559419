using System.Runtime.ExceptionServices;

namespace SessionKeeper.Core.Supervision;

/// <summary>
/// Runs work over items with at most <c>limit</c> items in flight: that many workers take the
/// items in order, one at a time. The token is checked before each item is taken; an item's
/// failure is counted before its worker takes the next one, so with one worker the item after
/// the <c>maxFailures</c>-th failure sees it. A cancellation or an exception ends a handful of
/// workers, not a task per item of a 100,000-host batch.
/// </summary>
/// <remarks>
/// Like <see cref="Parallel.ForEachAsync{TSource}(IEnumerable{TSource}, ParallelOptions, Func{TSource, CancellationToken, ValueTask})"/>:
/// an exception from <c>work</c> stops the taking of items and cancels the token the items in
/// flight were given; once every worker has ended, the first exception is rethrown, or an
/// <see cref="OperationCanceledException"/> when the caller's token was cancelled (whatever the
/// work threw meanwhile is taken to be the cancellation's doing).
/// </remarks>
internal static class BoundedParallel
{
    /// <summary>Runs <paramref name="work"/> over <paramref name="items"/>, at most <paramref name="limit"/> at once.</summary>
    /// <param name="items">Taken in order (index 0 first).</param>
    /// <param name="limit">The most items in flight at once (at least 1).</param>
    /// <param name="maxFailures">
    /// Once this many items have failed, no item is given to <paramref name="work"/>: the items
    /// taken after that go to <paramref name="overLimit"/>, or are left alone when it is null.
    /// Null: no limit.
    /// </param>
    /// <param name="work">Runs one item (with its index); returns true when it failed.</param>
    /// <param name="cancellationToken">Stops the taking of items, and is passed on to the items in flight.</param>
    /// <param name="overLimit">Runs instead of <paramref name="work"/> for an item taken once <paramref name="maxFailures"/> is reached (to skip it, or to finish what was started); returns true when it failed.</param>
    /// <returns>How many items failed.</returns>
    public static Task<int> RunAsync<T>(
        IReadOnlyList<T> items,
        int limit,
        int? maxFailures,
        Func<T, int, CancellationToken, ValueTask<bool>> work,
        CancellationToken cancellationToken,
        Func<T, int, CancellationToken, ValueTask<bool>>? overLimit = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        var next = -1;
        return RunCoreAsync(
            Math.Min(limit, items.Count),
            limit,
            maxFailures,
            _ =>
            {
                var i = Interlocked.Increment(ref next);
                return ValueTask.FromResult(i < items.Count ? new Taken<T>(true, items[i], i) : default);
            },
            work,
            overLimit,
            cancellationToken);
    }

    /// <summary>
    /// As the list overload, over items that arrive while the work runs (a daemon's jobs): an
    /// item is asked of <paramref name="items"/> only when a worker is free to run it, so it can
    /// be chosen as late as possible. Ends when <paramref name="items"/> ends.
    /// </summary>
    public static async Task<int> RunAsync<T>(
        IAsyncEnumerable<T> items,
        int limit,
        int? maxFailures,
        Func<T, int, CancellationToken, ValueTask<bool>> work,
        CancellationToken cancellationToken,
        Func<T, int, CancellationToken, ValueTask<bool>>? overLimit = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var turn = new SemaphoreSlim(1, 1);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var enumerator = items.GetAsyncEnumerator(stop.Token);
        var next = -1;
        try
        {
            return await RunCoreAsync(
                limit,
                limit,
                maxFailures,
                async token =>
                {
                    await turn.WaitAsync(token);
                    try
                    {
                        return await enumerator.MoveNextAsync() ? new Taken<T>(true, enumerator.Current, ++next) : default;
                    }
                    finally
                    {
                        turn.Release();
                    }
                },
                work,
                overLimit,
                cancellationToken,
                stop);
        }
        finally
        {
            await enumerator.DisposeAsync();
        }
    }

    private static async Task<int> RunCoreAsync<T>(
        int workers,
        int limit,
        int? maxFailures,
        Func<CancellationToken, ValueTask<Taken<T>>> take,
        Func<T, int, CancellationToken, ValueTask<bool>> work,
        Func<T, int, CancellationToken, ValueTask<bool>>? overLimit,
        CancellationToken cancellationToken,
        CancellationTokenSource? stop = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentNullException.ThrowIfNull(work);
        PoolHeadroom.Reserve(workers);
        using var own = stop is null ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
        stop ??= own!;
        var failures = 0;
        ExceptionDispatchInfo? first = null;

        async Task WorkAsync()
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var taken = await take(stop.Token);
                    if (!taken.Found)
                    {
                        return;
                    }

                    bool failed;
                    if (maxFailures is { } max && Volatile.Read(ref failures) >= max)
                    {
                        if (overLimit is null)
                        {
                            return;
                        }

                        failed = await overLimit(taken.Item, taken.Index, stop.Token);
                    }
                    else
                    {
                        failed = await work(taken.Item, taken.Index, stop.Token);
                    }

                    if (failed)
                    {
                        // Counted before this worker takes its next item: that item must see this failure.
                        Interlocked.Increment(ref failures);
                    }
                }
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref first, ExceptionDispatchInfo.Capture(ex), null);
                await stop.CancelAsync();
            }
        }

        // On the thread pool, as Parallel.ForEachAsync runs its workers: not on the caller's
        // synchronization context.
        await Task.WhenAll(Enumerable.Range(0, Math.Max(workers, 0)).Select(_ => Task.Run(WorkAsync, CancellationToken.None)));
        cancellationToken.ThrowIfCancellationRequested();
        first?.Throw();
        return failures;
    }

    private readonly record struct Taken<T>(bool Found, T Item, int Index);
}

/// <summary>
/// Room on the thread pool for work that blocks a thread while it waits on the network. SSH.NET
/// blocks its caller through key exchange and authentication (several round trips) and through
/// each channel open, exec request and channel close (one each); the transports run those calls
/// on the pool. The pool adds threads past its minimum (the core count) only about twice a second
/// while work waits, so behind a 50 ms round trip 32 hosts at once waited seconds for threads,
/// not for the network (each host took 1.8-5.5 s instead of 1.6 s alone). With this many items
/// in flight, the minimum covers two blocked calls per item and the cores besides. It is only
/// ever raised, and a thread is still created only when work waits for one.
/// </summary>
internal static class PoolHeadroom
{
    /// <summary>The most threads asked for: beyond this, items wait their turn as before.</summary>
    public const int Most = 1024;

    private static readonly Lock Gate = new();

    /// <summary>Makes room for <paramref name="inFlight"/> items that may each block up to two threads at once.</summary>
    public static void Reserve(int inFlight)
    {
        var wanted = (int)Math.Min(Most, (2L * Math.Max(inFlight, 0)) + Environment.ProcessorCount);
        lock (Gate)
        {
            ThreadPool.GetMinThreads(out var workers, out var completion);
            if (wanted > workers)
            {
                ThreadPool.SetMinThreads(wanted, completion);
            }
        }
    }
}
