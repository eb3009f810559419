using Microsoft.Extensions.Time.Testing;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper.Tests.Core.Supervision;

/// <summary>The one retry pipeline: its delays come from the injected source, its budget from the caller.</summary>
public class ReconnectTests
{
    private static readonly RetryPolicy Policy = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));

    [Fact(Timeout = 10_000)]
    public async Task Each_delay_is_the_policys_full_jitter_of_the_injected_random_value()
    {
        var time = new FakeTimeProvider();
        var heard = new List<(int Attempt, TimeSpan Delay)>();
        var pipeline = Reconnect.Pipeline(Policy, time, () => 0.5, (attempt, delay, _) => heard.Add((attempt, delay)));
        var calls = 0;

        var run = pipeline.ExecuteAsync(
            _ => ++calls < 6 ? throw new SessionKeeperException(FailureKind.Unreachable, "refused") : ValueTask.FromResult(calls),
            CancellationToken.None).AsTask();
        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Yield();
        }

        Assert.Equal(6, await run);
        // 0.5 of min(1 s, 100 ms * 2^attempt): 50, 100, 200, 400, 500 ms.
        Assert.Equal([(0, Ms(50)), (1, Ms(100)), (2, Ms(200)), (3, Ms(400)), (4, Ms(500))], heard);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_refusal_that_retrying_cannot_fix_is_final_at_once()
    {
        var calls = 0;
        var pipeline = Reconnect.Pipeline(Policy, new FakeTimeProvider(), () => 0.5, (_, _, _) => Assert.Fail("no retry"));

        var error = await Assert.ThrowsAsync<SessionKeeperException>(() => pipeline.ExecuteAsync(
            _ =>
            {
                calls++;
                throw new SessionKeeperException(FailureKind.AuthenticationFailed, "refused our key");
            },
            CancellationToken.None).AsTask());

        Assert.Equal((FailureKind.AuthenticationFailed, 1), (error.Kind, calls));
    }

    [Fact(Timeout = 10_000)]
    public async Task The_callers_budget_stops_retrying_and_caps_each_delay()
    {
        var time = new FakeTimeProvider();
        var heard = new List<TimeSpan>();
        var calls = 0;
        var pipeline = Reconnect.Pipeline(Policy, time, () => 0.99, (_, delay, _) => heard.Add(delay), keepTrying: () => calls < 3, cap: () => Ms(30));

        var run = pipeline.ExecuteAsync(
            _ =>
            {
                calls++;
                throw new SessionKeeperException(FailureKind.Unreachable, "refused");
            },
            CancellationToken.None).AsTask();
        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Yield();
        }

        var error = await Assert.ThrowsAsync<SessionKeeperException>(() => run);
        Assert.Equal(FailureKind.Unreachable, error.Kind);
        Assert.Equal(3, calls);
        // 99 ms and 198 ms from the policy, each cut to the 30 ms the caller has left.
        Assert.Equal([Ms(30), Ms(30)], heard);
    }

    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);
}
