using System.Collections.Concurrent;
using System.Threading.Channels;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper.Tests.Core.Supervision;

/// <summary>
/// The one bounded-parallel loop: how many items run at once, the order they are taken in,
/// --max-failures, cancellation and exceptions. Every item waits on a gate the test opens, so
/// nothing depends on timing.
/// </summary>
public sealed class BoundedParallelTests
{
    /// <summary>
    /// Items block threads while they wait on the network (SSH.NET's key exchange, authentication,
    /// channel opens): the pool's minimum covers two per item in flight, so none waits for the
    /// pool's slow thread injection.
    /// </summary>
    [Fact(Timeout = 10_000)]
    public async Task The_thread_pool_minimum_covers_two_blocked_threads_per_item_in_flight()
    {
        var inside = new TaskCompletionSource<(int Workers, int Completion)>(TaskCreationOptions.RunContinuationsAsynchronously);
        ThreadPool.GetMinThreads(out _, out var completionBefore);
        var run = BoundedParallel.RunAsync(Enumerable.Range(0, 60).ToList(), 60, null, (item, _, _) =>
        {
            ThreadPool.GetMinThreads(out var workers, out var completion);
            inside.TrySetResult((workers, completion));
            return ValueTask.FromResult(false);
        }, CancellationToken.None);

        var (workers, completion) = await inside.Task;
        await run;

        Assert.True(workers >= (2 * 60) + Environment.ProcessorCount, $"minimum worker threads {workers}");
        Assert.Equal(completionBefore, completion);
    }

    [Fact(Timeout = 10_000)]
    public async Task Never_more_than_limit_items_run_at_once_and_every_item_runs_once()
    {
        var gates = Gates(20);
        var started = Channel.CreateUnbounded<int>();
        var running = 0;
        var most = 0;
        var runs = new int[20];
        var run = BoundedParallel.RunAsync(Enumerable.Range(0, 20).ToList(), 3, null, async (item, index, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            Interlocked.Increment(ref runs[item]);
            Assert.Equal(item, index);
            started.Writer.TryWrite(item);
            await gates[item].Task;
            Interlocked.Decrement(ref running);
            return false;
        }, CancellationToken.None);

        // Three start; each one let go lets one more start, until all have.
        var inFlight = new Queue<int>([await started.Reader.ReadAsync(), await started.Reader.ReadAsync(), await started.Reader.ReadAsync()]);
        var begun = 3;
        while (inFlight.TryDequeue(out var item))
        {
            gates[item].SetResult();
            if (begun < 20)
            {
                inFlight.Enqueue(await started.Reader.ReadAsync());
                begun++;
            }
        }

        Assert.Equal(0, await run);
        Assert.Equal(3, Volatile.Read(ref most));
        Assert.All(runs, n => Assert.Equal(1, n));
    }

    [Fact(Timeout = 10_000)]
    public async Task With_one_worker_items_are_taken_in_order()
    {
        var order = new List<int>();
        var failures = await BoundedParallel.RunAsync(Enumerable.Range(0, 50).ToList(), 1, null, async (item, _, _) =>
        {
            order.Add(item);
            await Task.Yield();
            return item % 10 == 0;
        }, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 50), order);
        Assert.Equal(5, failures);
    }

    [Fact(Timeout = 10_000)]
    public async Task After_max_failures_no_new_item_starts_and_the_others_go_to_over_limit_in_order()
    {
        var started = new List<int>();
        var over = new List<int>();
        var failures = await BoundedParallel.RunAsync(
            Enumerable.Range(0, 10).ToList(),
            1,
            2,
            async (item, _, _) =>
            {
                started.Add(item);
                await Task.Yield();
                return item is 1 or 3;
            },
            CancellationToken.None,
            (item, _, _) =>
            {
                over.Add(item);
                return ValueTask.FromResult(false);
            });

        Assert.Equal([0, 1, 2, 3], started);
        Assert.Equal([4, 5, 6, 7, 8, 9], over);
        Assert.Equal(2, failures);
    }

    [Fact(Timeout = 10_000)]
    public async Task Items_in_flight_when_the_limit_is_reached_finish_and_none_starts_after()
    {
        var gates = new[] { new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously) };
        var started = new ConcurrentQueue<int>();
        var over = new ConcurrentQueue<int>();
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstOver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = BoundedParallel.RunAsync(
            Enumerable.Range(0, 10).ToList(),
            2,
            1,
            async (item, _, _) =>
            {
                started.Enqueue(item);
                if (started.Count == 2)
                {
                    bothStarted.TrySetResult();
                }

                return await gates[item].Task;
            },
            CancellationToken.None,
            (item, _, _) =>
            {
                over.Enqueue(item);
                firstOver.TrySetResult();
                return ValueTask.FromResult(false);
            });

        await bothStarted.Task;
        gates[0].SetResult(true);

        // The worker that failed takes the next item and finds the limit reached; the item still
        // in flight finishes, and its worker too takes no new item.
        await firstOver.Task;
        Assert.Equal([0, 1], started.Order());
        gates[1].SetResult(false);

        Assert.Equal(1, await run);
        Assert.Equal([0, 1], started.Order());
        Assert.Equal(Enumerable.Range(2, 8), over.Order());
    }

    [Fact(Timeout = 10_000)]
    public async Task Cancellation_stops_the_taking_of_items_cancels_those_in_flight_and_throws()
    {
        using var cts = new CancellationTokenSource();
        var started = new ConcurrentQueue<int>();
        var cancelled = new ConcurrentQueue<int>();
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = BoundedParallel.RunAsync(Enumerable.Range(0, 10).ToList(), 2, null, async (item, _, ct) =>
        {
            started.Enqueue(item);
            if (started.Count == 2)
            {
                bothStarted.TrySetResult();
            }

            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                cancelled.Enqueue(item);
            }

            // Returned normally, as a loop's body that catches the cancellation does.
            return false;
        }, cts.Token);

        await bothStarted.Task;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal([0, 1], started.Order());
        Assert.Equal([0, 1], cancelled.Order());
    }

    [Fact(Timeout = 10_000)]
    public async Task A_token_cancelled_before_the_start_runs_nothing()
    {
        var runs = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => BoundedParallel.RunAsync(Enumerable.Range(0, 10).ToList(), 4, null, (_, _, _) =>
        {
            Interlocked.Increment(ref runs);
            return ValueTask.FromResult(false);
        }, new CancellationToken(canceled: true)));
        Assert.Equal(0, runs);
    }

    [Fact(Timeout = 10_000)]
    public async Task An_exception_stops_the_taking_of_items_cancels_those_in_flight_and_is_rethrown_once_all_ended()
    {
        var boom = new InvalidOperationException("boom");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new ConcurrentQueue<int>();
        var otherEnded = false;
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = BoundedParallel.RunAsync(Enumerable.Range(0, 10).ToList(), 2, null, async (item, _, ct) =>
        {
            started.Enqueue(item);
            if (started.Count == 2)
            {
                bothStarted.TrySetResult();
            }

            if (item == 0)
            {
                await gate.Task;
                throw boom;
            }

            // The other item sees its token cancelled, and its own cancellation is not what is thrown.
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                otherEnded = true;
            }


            throw new OperationCanceledException(ct);
        }, CancellationToken.None);

        await bothStarted.Task;
        gate.SetResult();

        Assert.Same(boom, await Assert.ThrowsAsync<InvalidOperationException>(() => run));
        Assert.True(otherEnded);
        Assert.Equal([0, 1], started.Order());
    }

    [Fact(Timeout = 10_000)]
    public async Task An_exception_thrown_after_the_callers_token_was_cancelled_comes_out_as_the_cancellation()
    {
        using var cts = new CancellationTokenSource();
        var run = BoundedParallel.RunAsync(Enumerable.Range(0, 3).ToList(), 1, null, async (_, _, ct) =>
        {
            await cts.CancelAsync();
            throw new InvalidOperationException("interrupted.");
        }, cts.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_limit_below_one_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => BoundedParallel.RunAsync(new[] { 1 }, 0, null, (_, _, _) => ValueTask.FromResult(false), CancellationToken.None));
    }

    [Fact(Timeout = 10_000)]
    public async Task Items_that_arrive_later_are_run_when_a_worker_is_free_and_the_run_ends_with_them()
    {
        var queue = Channel.CreateUnbounded<int>();
        var started = Channel.CreateUnbounded<int>();
        var gates = Gates(5);
        var running = 0;
        var most = 0;
        var run = BoundedParallel.RunAsync(queue.Reader.ReadAllAsync(), 2, null, async (item, _, _) =>
        {
            InterlockedMax(ref most, Interlocked.Increment(ref running));
            started.Writer.TryWrite(item);
            await gates[item].Task;
            Interlocked.Decrement(ref running);
            return item == 4;
        }, CancellationToken.None);

        queue.Writer.TryWrite(0);
        Assert.Equal(0, await started.Reader.ReadAsync());
        queue.Writer.TryWrite(1);
        queue.Writer.TryWrite(2);
        Assert.Equal(1, await started.Reader.ReadAsync());
        gates[0].SetResult();
        Assert.Equal(2, await started.Reader.ReadAsync());
        queue.Writer.TryWrite(3);
        queue.Writer.TryWrite(4);
        gates[1].SetResult();
        gates[2].SetResult();
        gates[3].SetResult();
        gates[4].SetResult();
        queue.Writer.Complete();

        Assert.Equal(1, await run);
        Assert.Equal(2, Volatile.Read(ref most));
    }

    [Fact(Timeout = 10_000)]
    public async Task Waiting_for_items_that_arrive_later_ends_with_the_cancellation()
    {
        using var cts = new CancellationTokenSource();
        var queue = Channel.CreateUnbounded<int>();
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = BoundedParallel.RunAsync(queue.Reader.ReadAllAsync(), 4, null, (_, _, _) =>
        {
            ran.TrySetResult();
            return ValueTask.FromResult(false);
        }, cts.Token);

        queue.Writer.TryWrite(1);
        await ran.Task;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    private static TaskCompletionSource[] Gates(int count) =>
        [.. Enumerable.Range(0, count).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
