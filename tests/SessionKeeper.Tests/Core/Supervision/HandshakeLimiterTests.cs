using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper.Tests.Core.Supervision;

public sealed class HandshakeLimiterTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(10);

    [Fact(Timeout = 10_000)]
    public async Task Beyond_the_limit_a_handshake_waits_for_a_slot_of_its_address_only()
    {
        var limiter = new HandshakeLimiter(initial: 2);
        var a1 = await limiter.AcquireAsync("a:22", CancellationToken.None);
        var a2 = await limiter.AcquireAsync("a:22", CancellationToken.None);
        var a3 = limiter.AcquireAsync("a:22", CancellationToken.None);
        var b1 = await limiter.AcquireAsync("b:22", CancellationToken.None).WaitAsync(Step);
        Assert.False(a3.IsCompleted);

        a1.Complete(null);
        await a3.WaitAsync(Step);
        a2.Complete(null);
        b1.Complete(null);
        Assert.Equal(2, limiter.LimitOf("a:22"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_wave_of_refusals_halves_the_limit_once_and_each_success_adds_one()
    {
        var limiter = new HandshakeLimiter(initial: 8);
        var wave = new List<HandshakeLimiter.Ticket>();
        for (var i = 0; i < 8; i++)
        {
            wave.Add(await limiter.AcquireAsync("a:22", CancellationToken.None));
        }

        // Eight handshakes begun together, all refused: one cut, not eight.
        wave.ForEach(t => t.Complete(false));
        Assert.Equal(4, limiter.LimitOf("a:22"));

        // A refusal of the next wave cuts again, down to one and never below.
        for (var expected = 2; expected >= 1; expected /= 2)
        {
            var next = await limiter.AcquireAsync("a:22", CancellationToken.None);
            next.Complete(false);
            Assert.Equal(expected, limiter.LimitOf("a:22"));
        }

        var last = await limiter.AcquireAsync("a:22", CancellationToken.None);
        last.Complete(false);
        Assert.Equal(1, limiter.LimitOf("a:22"));

        var ok = await limiter.AcquireAsync("a:22", CancellationToken.None);
        ok.Complete(true);
        ok.Complete(false);
        Assert.Equal(2, limiter.LimitOf("a:22"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_cancelled_waiter_leaves_the_queue_and_takes_no_slot()
    {
        var limiter = new HandshakeLimiter(initial: 1);
        var held = await limiter.AcquireAsync("a:22", CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync("a:22", cancel.Token);
        var behind = limiter.AcquireAsync("a:22", CancellationToken.None);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        held.Complete(null);
        var next = await behind.WaitAsync(Step);
        next.Complete(null);
    }

    [Fact]
    public void The_key_is_the_first_hop()
    {
        var jump = new JobEndpoint("u", "bastion", 2222, [], [], TimeSpan.FromSeconds(5));
        var target = new JobEndpoint("u", "inner", 22, [], [], TimeSpan.FromSeconds(5)) { Settings = new EndpointSettings { JumpHosts = [jump] } };
        Assert.Equal("bastion:2222", HandshakeLimiter.KeyOf(target));
        Assert.Equal("bastion:2222", HandshakeLimiter.KeyOf(jump));
    }
}
