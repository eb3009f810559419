using Polly;
using Polly.Retry;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Core.Supervision;

/// <summary>
/// How long to wait before trying a target again: exponential backoff with full jitter, a uniform
/// delay in [0, min(<paramref name="Max"/>, <paramref name="Initial"/> * 2^attempt)).
/// </summary>
internal sealed record RetryPolicy(TimeSpan Initial, TimeSpan Max)
{
    public static RetryPolicy Default { get; } = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));

    public static RetryPolicy From(AttachOptions options) => new(options.InitialBackoff, options.MaxBackoff);

    /// <summary>The delay before retry number <paramref name="attempt"/> (0 for the first retry).</summary>
    public TimeSpan Delay(int attempt, Func<double> random) => FullJitterBackoff.Delay(attempt, Initial, Max, random);
}

/// <summary>
/// The one retry mechanism of every path that reaches a target again: the stream (attach, run,
/// the daemon), <c>wait</c>, and a launch whose connection failed before its request went out.
/// What is retried is what failed retryably (a connection refused, reset, timed out or lost);
/// a host-key or authentication refusal never is. The budget is the caller's.
/// </summary>
internal static class Reconnect
{
    /// <summary>The random source of the delays outside tests (thread-safe).</summary>
    public static Func<double> SharedRandom { get; } = Random.Shared.NextDouble;

    /// <summary>
    /// Retries for as long as <paramref name="keepTrying"/> says (by default until the token passed to
    /// ExecuteAsync is cancelled), waiting <paramref name="policy"/>'s delays, never past
    /// <paramref name="cap"/>'s answer; <paramref name="onRetry"/> hears each retry (its number from 0,
    /// the delay, the failure) before the wait.
    /// </summary>
    public static ResiliencePipeline Pipeline(
        RetryPolicy policy,
        TimeProvider time,
        Func<double> random,
        Action<int, TimeSpan, Exception?> onRetry,
        Func<bool>? keepTrying = null,
        Func<TimeSpan>? cap = null) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<SessionKeeperException>(e => e.IsRetryable && (keepTrying?.Invoke() ?? true)),
                MaxRetryAttempts = int.MaxValue,
                Randomizer = random,
                DelayGenerator = args =>
                {
                    var delay = policy.Delay(args.AttemptNumber, random);
                    return new ValueTask<TimeSpan?>(cap?.Invoke() is { } limit && limit < delay ? Max(limit, TimeSpan.Zero) : delay);
                },
                OnRetry = args =>
                {
                    onRetry(args.AttemptNumber, args.RetryDelay, args.Outcome.Exception);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
