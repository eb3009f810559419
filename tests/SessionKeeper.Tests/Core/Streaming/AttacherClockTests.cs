using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;
using Outcome = SessionKeeper.Tests.Fakes.ScriptedConnector.Outcome;

namespace SessionKeeper.Tests.Core.Streaming;

/// <summary>
/// The watchdog, the helper-start allowance and the reconnect budget of <see cref="Attacher"/>,
/// on a fake clock: time moves only when the test advances it, so each claim is checked at the
/// exact instant it is about (the watchdog looks every 100 ms: a dead link is declared at the
/// first look after the deadline, never at or before it), whatever the load of the machine.
/// </summary>
public sealed class AttacherClockTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100); // the watchdog's period

    private static readonly AttachOptions Options = new()
    {
        Heartbeat = TimeSpan.FromMilliseconds(200),
        DeadAfter = TimeSpan.FromSeconds(1),
        HelperStartTimeout = TimeSpan.FromSeconds(15),
        InitialBackoff = TimeSpan.FromSeconds(1),
        MaxBackoff = TimeSpan.FromSeconds(4),
    };

    [Theory(Timeout = 30000)]
    [InlineData(0)]
    [InlineData(50)]
    [InlineData(99)]
    public async Task Silence_is_declared_dead_at_the_first_look_after_the_deadline_never_before(int phaseMs)
    {
        var (time, connector, observer, run, cancel) = Start(Options, _ => Outcome.Connect);
        var session = await OnlySessionAsync(connector);
        time.Advance(TimeSpan.FromMilliseconds(phaseMs));
        await HeartbeatAsync(session); // the last word, phaseMs into the watchdog's cycle

        // Looks at 100, 200, ... ms: the last one at or before the deadline sees a silence <= 1 s.
        var looksUpToDeadline = (int)((Options.DeadAfter + TimeSpan.FromMilliseconds(phaseMs)) / Tick);
        time.Advance(Tick * looksUpToDeadline - TimeSpan.FromMilliseconds(phaseMs));
        Assert.False(session.Aborted, $"declared dead {looksUpToDeadline * 100 - phaseMs} ms after the last word, deadline {Options.DeadAfter.TotalMilliseconds} ms");

        time.Advance(Tick);
        Assert.True(session.Aborted, "not declared dead at the first look after the deadline");
        await Poll.UntilAsync(() => !observer.Disconnects.IsEmpty, "the disconnect report");
        Assert.StartsWith("no heartbeat from scripted for 1 s", observer.Disconnects.First(), StringComparison.Ordinal);
        await StopAsync(run, cancel);
    }

    [Theory(Timeout = 60000)]
    [InlineData(200)]
    [InlineData(1000)] // a heartbeat exactly every deadline: silence never exceeds it
    public async Task A_silent_job_whose_helper_keeps_heartbeating_is_never_declared_dead(int everyMs)
    {
        var (time, connector, observer, run, cancel) = Start(Options, _ => Outcome.Connect);
        var session = await OnlySessionAsync(connector);
        await HeartbeatAsync(session);

        // Ten minutes of a job printing nothing: only heartbeats cross the link.
        for (var elapsed = 0; elapsed < 600_000; elapsed += everyMs)
        {
            time.Advance(TimeSpan.FromMilliseconds(everyMs));
            Assert.False(session.Aborted, $"declared dead at {elapsed + everyMs} ms with a heartbeat every {everyMs} ms");
            await HeartbeatAsync(session);
        }

        Assert.Empty(observer.Disconnects);
        Assert.Equal(1, connector.Attempts);
        await StopAsync(run, cancel);
    }

    /// <summary>Before its first word a helper runs the login shell's rc files: it gets HelperStartTimeout, not DeadAfter.</summary>
    [Fact(Timeout = 30000)]
    public async Task A_helper_that_has_not_spoken_yet_gets_the_start_allowance_not_the_deadline()
    {
        var (time, connector, _, run, cancel) = Start(Options, _ => Outcome.Connect);
        var session = await OnlySessionAsync(connector);

        time.Advance(Options.HelperStartTimeout);
        Assert.False(session.Aborted, "a helper slower to start than the deadline was declared dead");
        time.Advance(Tick);
        Assert.True(session.Aborted, "a helper silent beyond the start allowance was not declared dead");
        await StopAsync(run, cancel);
    }

    /// <summary>
    /// Refused connections are retried with full-jitter backoff (each delay within [0, min(cap,
    /// initial * 2^n))), and --give-up-after ends the attempts exactly at the budget, not before,
    /// whether the budget runs out during a backoff delay or during a hanging handshake.
    /// </summary>
    [Theory(Timeout = 60000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reconnection_backs_off_within_the_jitter_bounds_and_gives_up_exactly_at_the_budget(bool lastAttemptHangs)
    {
        var budget = TimeSpan.FromSeconds(20);
        const int Refusals = 6;
        var options = Options with { GiveUpAfter = budget };
        var (time, connector, observer, run, _) = Start(options, n => n <= Refusals || !lastAttemptHangs ? Outcome.Fail : Outcome.Hang);
        var spent = TimeSpan.Zero;

        // One timer for the budget, then one per backoff delay.
        for (var retry = 1; ; retry++)
        {
            await Poll.UntilAsync(() => (time.Timers == 1 + retry && observer.Retries.Count == retry) || (lastAttemptHangs && connector.Attempts == Refusals + 1), $"backoff delay {retry}");
            if (lastAttemptHangs && connector.Attempts == Refusals + 1)
            {
                break;
            }

            var (attempt, delay) = observer.Retries.ElementAt(retry - 1);
            Assert.Equal(retry + 1, attempt);
            var ceiling = Math.Min(options.MaxBackoff.TotalMilliseconds, options.InitialBackoff.TotalMilliseconds * Math.Pow(2, retry - 1));
            Assert.InRange(delay.TotalMilliseconds, 0, ceiling);
            if (spent + delay >= budget)
            {
                break;
            }

            time.Advance(delay);
            spent += delay;
        }

        // Everything waits on the fake clock now: one tick short of the budget, nothing may give up.
        time.Advance(budget - spent - TimeSpan.FromTicks(1));
        Assert.False(run.IsCompleted, $"gave up {TimeSpan.FromTicks(1)} before the budget: {run.Exception?.InnerException?.Message}");

        time.Advance(TimeSpan.FromTicks(1));
        var gaveUp = await Assert.ThrowsAsync<SessionKeeperException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(FailureKind.ConnectionLost, gaveUp.Kind);
        Assert.StartsWith("gave up reconnecting to scripted after 20 s", gaveUp.Message, StringComparison.Ordinal);
    }

    private static (CountingFakeTime Time, ScriptedConnector Connector, RecordingAttachObserver Observer, Task<JobStatus> Run, CancellationTokenSource Cancel) Start(
        AttachOptions options, Func<int, Outcome> script)
    {
        var time = new CountingFakeTime();
        var connector = new ScriptedConnector(script);
        var observer = new RecordingAttachObserver();
        var cancel = new CancellationTokenSource();
        var attacher = new Attacher(connector, JobId.New(), null, null, default, options, observer, time);
        var run = Task.Run(() => attacher.RunAsync(null, cancel.Token));
        return (time, connector, observer, run, cancel);
    }

    /// <summary>The first session, once its stream is being read (the watchdog is armed by then).</summary>
    private static async Task<ScriptedSession> OnlySessionAsync(ScriptedConnector connector)
    {
        ScriptedSession? session = null;
        await Poll.UntilAsync(() => connector.Sessions.TryPeek(out session) && session.Stream.Drained, "the stream to be read");
        return session!;
    }

    /// <summary>Sends a heartbeat and waits until the reader has taken it (and is blocked for more).</summary>
    private static async Task HeartbeatAsync(ScriptedSession session)
    {
        session.Stream.Feed("@@SKH 0 0");
        await session.Stream.UntilDrainedAsync("the heartbeat to be read");
    }

    private static async Task StopAsync(Task run, CancellationTokenSource cancel)
    {
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
        cancel.Dispose();
    }
}
