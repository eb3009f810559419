using Microsoft.Extensions.Time.Testing;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper.Tests.Core.Supervision;

/// <summary>The coalesced wake-up of the daemon's claim and poll loops: never lost, several sets one wake, a timeout on the given clock.</summary>
public sealed class WakeupTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public async Task Sets_before_the_wait_wake_it_at_once_and_count_as_one()
    {
        var time = new FakeTimeProvider();
        var wakeup = new Wakeup();
        wakeup.Set();
        wakeup.Set();
        wakeup.Set();

        var first = wakeup.WaitAsync(Hour, time, CancellationToken.None);
        Assert.True(first.IsCompletedSuccessfully);
        Assert.True(await first);

        var second = wakeup.WaitAsync(Hour, time, CancellationToken.None);
        Assert.False(second.IsCompleted);
        time.Advance(Hour);
        Assert.False(await second.WaitAsync(Bound));
    }

    [Fact]
    public async Task A_set_wakes_a_waiting_loop_before_its_timeout()
    {
        var time = new FakeTimeProvider();
        var wakeup = new Wakeup();
        var waiting = wakeup.WaitAsync(Hour, time, CancellationToken.None);
        time.Advance(Hour - TimeSpan.FromMilliseconds(1));
        Assert.False(waiting.IsCompleted);

        wakeup.Set();

        Assert.True(await waiting.WaitAsync(Bound));

        // The set was taken by that wait: the next one waits its whole time.
        var next = wakeup.WaitAsync(Hour, time, CancellationToken.None);
        time.Advance(Hour - TimeSpan.FromMilliseconds(1));
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(await next.WaitAsync(Bound));
    }

    [Fact]
    public async Task A_set_while_nobody_waits_is_kept_for_the_next_wait()
    {
        var time = new FakeTimeProvider();
        var wakeup = new Wakeup();
        var timedOut = wakeup.WaitAsync(TimeSpan.FromSeconds(1), time, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await timedOut.WaitAsync(Bound));

        wakeup.Set();

        Assert.True(await wakeup.WaitAsync(Hour, time, CancellationToken.None).WaitAsync(Bound));
    }

    [Fact]
    public async Task Cancelling_ends_the_wait()
    {
        var time = new FakeTimeProvider();
        var wakeup = new Wakeup();
        using var stop = new CancellationTokenSource();
        var waiting = wakeup.WaitAsync(Hour, time, stop.Token);

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Bound));
    }
}
