using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;
using Outcome = SessionKeeper.Tests.Fakes.ScriptedConnector.Outcome;

namespace SessionKeeper.Tests.Core.Streaming;

/// <summary>
/// Issue 9 item 8: --give-up-after bounds the whole attach, on a fake clock. Links that connect
/// and then say nothing, or one word and then nothing, must not restart the clock; output, or a
/// link that keeps talking for a whole dead-after period, does. Time moves only by the test's hand,
/// so "not before the budget" is exact; the clock moves a tick at a time, each once the attacher
/// waits on nothing but the clock or the link, up to a bound the old code never got past.
/// </summary>
public sealed class AttacherGiveUpTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FakeLimit = TimeSpan.FromSeconds(200);

    private static readonly AttachOptions Options = new()
    {
        Heartbeat = TimeSpan.FromMilliseconds(200),
        DeadAfter = TimeSpan.FromSeconds(1),
        HelperStartTimeout = TimeSpan.FromSeconds(3),
        InitialBackoff = TimeSpan.FromMilliseconds(250),
        MaxBackoff = TimeSpan.FromSeconds(1),
        GiveUpAfter = Budget,
    };

    /// <summary>Every connection succeeds and its stream request is never answered (the sshd session stopped after authentication).</summary>
    [Fact(Timeout = 120000)]
    public async Task Connections_that_never_answer_the_stream_request_give_up_at_the_budget()
    {
        var (time, connector, run) = Start(_ => Outcome.ConnectSilent);
        var spent = await RunClockAsync(time, connector, run);

        await AssertGaveUpAsync(run, spent, Budget);
        Assert.True(connector.Attempts >= 2, $"{connector.Attempts} connection(s): the budget was not tested across reconnections");
        Assert.All(connector.Sessions, s => Assert.True(s.Aborted, "a silent stream request was not cut"));
    }

    /// <summary>
    /// Each link says one word, later than --dead-after after it opened (a slow login shell), then
    /// nothing: the old rule counted that as recovery and reconnected forever.
    /// </summary>
    [Fact(Timeout = 120000)]
    public async Task Links_that_say_one_late_word_and_go_silent_give_up_at_the_budget()
    {
        var (time, connector, run) = Start(_ => Outcome.Connect);
        var seen = new Dictionary<ScriptedSession, TimeSpan>();
        var spent = await RunClockAsync(time, connector, run, async now =>
        {
            foreach (var session in connector.Sessions.Where(s => s.Stream.Drained || seen.ContainsKey(s)))
            {
                if (!seen.TryGetValue(session, out var opened))
                {
                    seen[session] = now;
                }
                else if (opened >= TimeSpan.Zero && now - opened >= Options.DeadAfter * 2)
                {
                    seen[session] = TimeSpan.MinValue; // spoken
                    await HeartbeatAsync(session);
                }
            }
        });

        await AssertGaveUpAsync(run, spent, Budget);
        Assert.True(connector.Attempts >= 2, $"{connector.Attempts} connection(s): the budget was not tested across reconnections");
        Assert.Contains(TimeSpan.MinValue, seen.Values);
    }

    /// <summary>
    /// A link that delivers output, or keeps heartbeating for a whole dead-after period (a quiet
    /// job), has worked: when it dies, the budget counts from its last word, not from the start.
    /// </summary>
    [Theory(Timeout = 120000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_link_that_worked_restarts_the_clock_from_its_last_word(bool output)
    {
        var (time, connector, run) = Start(n => n == 1 ? Outcome.Connect : Outcome.ConnectSilent);
        var session = await FirstSessionAsync(connector);
        if (output)
        {
            session.Stream.Feed("@@SKD o 0 4\nabc\n@@SKE");
            await Poll.UntilAsync(() => session.Stream.Drained, "the output to be read");
        }

        // Heartbeats for longer than the budget: the attach is healthy all along.
        var now = TimeSpan.Zero;
        var lastWord = TimeSpan.Zero;
        for (; now < Budget + TimeSpan.FromSeconds(3); now += Options.Heartbeat)
        {
            await HeartbeatAsync(session);
            lastWord = now;
            time.Advance(Options.Heartbeat);
            Assert.False(session.Aborted, $"a heartbeating link was cut at {now}");
        }

        // Then the link dies: a reconnection, and the budget runs from the last word.
        var spent = now + await RunClockAsync(time, connector, run);
        await AssertGaveUpAsync(run, spent, lastWord + Budget);
        Assert.True(connector.Attempts >= 2, "no reconnection after a link that worked died");
    }

    /// <summary>
    /// The loss is seen only after the budget is spent (this process was stopped, or the machine
    /// slept, for longer than --give-up-after): one connection is still tried before giving up, as
    /// the link may be back; a try that fails too gives up, with no second one.
    /// </summary>
    [Fact(Timeout = 120000)]
    public async Task A_loss_seen_after_the_budget_is_spent_still_gets_one_connection()
    {
        var (time, connector, run) = Start(n => n == 1 ? Outcome.Connect : Outcome.ConnectSilent);
        var session = await FirstSessionAsync(connector);

        // A link that has worked (it kept talking for longer than --dead-after)...
        var now = TimeSpan.Zero;
        for (; now < Options.DeadAfter * 2; now += Options.Heartbeat)
        {
            await HeartbeatAsync(session);
            time.Advance(Options.Heartbeat);
        }

        // ...then nothing runs here for longer than the budget: the clock jumps.
        var asleep = Budget + TimeSpan.FromSeconds(5);
        time.Advance(asleep);
        var spent = now + asleep + await RunClockAsync(time, connector, run);

        await AssertGaveUpAsync(run, spent, now + Budget);
        Assert.Equal(2, connector.Attempts);
    }

    private static (CountingFakeTime Time, ScriptedConnector Connector, Task<JobStatus> Run) Start(Func<int, Outcome> script)
    {
        var time = new CountingFakeTime();
        var connector = new ScriptedConnector(script);
        var attacher = new Attacher(connector, JobId.New(), null, null, default, Options, new RecordingAttachObserver(), time);
        return (time, connector, Task.Run(() => attacher.RunAsync(null)));
    }

    /// <summary>
    /// Advances the fake clock a tick at a time until the run ends or <see cref="FakeLimit"/>; returns
    /// the fake time spent. Each tick waits until the attacher is parked where only the clock or the
    /// test can move it (see <see cref="Parked"/>), so a starved attacher never sees the clock outrun it.
    /// </summary>
    private static async Task<TimeSpan> RunClockAsync(CountingFakeTime time, ScriptedConnector connector, Task run, Func<TimeSpan, Task>? eachTick = null)
    {
        var spent = TimeSpan.Zero;
        while (!run.IsCompleted && spent < FakeLimit)
        {
            if (eachTick is not null)
            {
                await eachTick(spent);
            }

            await Poll.UntilAsync(
                () => run.IsCompleted || Parked(time, connector),
                $"the attacher to wait on the clock or the link at {spent} (armed one-shot timers: {time.ArmedOneShots}, attempts: {connector.Attempts})");
            if (run.IsCompleted)
            {
                break;
            }

            time.Advance(Tick);
            spent += Tick;
        }

        return spent;
    }

    /// <summary>
    /// The attacher waits on nothing but the fake clock or the scripted link: a connection attempt
    /// that hangs; a live link whose stream request is unanswered or whose reader has taken all it
    /// was fed (its watchdog is a timer); or, between links, a backoff delay beside the give-up
    /// deadline (two one-shot timers: the deadline alone is armed from before the first attempt).
    /// </summary>
    private static bool Parked(CountingFakeTime time, ScriptedConnector connector)
    {
        if (connector.Hanging > 0)
        {
            return true;
        }

        if (connector.Sessions.LastOrDefault() is { Aborted: false } live)
        {
            return live.Stream.Drained || live.OpenWaiting;
        }

        return time.ArmedOneShots >= 2;
    }

    private static async Task AssertGaveUpAsync(Task run, TimeSpan spent, TimeSpan notBefore)
    {
        Assert.True(run.IsCompleted, $"still reconnecting after {spent} of fake time with a budget of {Budget}");
        var gaveUp = await Assert.ThrowsAsync<SessionKeeperException>(() => run);
        Assert.Equal(FailureKind.ConnectionLost, gaveUp.Kind);
        Assert.Equal("gave up reconnecting to scripted after 10 s; the job keeps running there.", gaveUp.Message);
        Assert.Equal(TimeSpan.FromSeconds(10), gaveUp.GaveUpAfter);
        Assert.True(spent >= notBefore, $"gave up after {spent}, before {notBefore}");
    }

    private static async Task<ScriptedSession> FirstSessionAsync(ScriptedConnector connector)
    {
        ScriptedSession? session = null;
        await Poll.UntilAsync(() => connector.Sessions.TryPeek(out session) && session.Stream.Drained, "the stream to be read");
        return session!;
    }

    private static async Task HeartbeatAsync(ScriptedSession session)
    {
        session.Stream.Feed("@@SKH 0 0");
        await Poll.UntilAsync(() => session.Stream.Drained || session.Aborted, "the heartbeat to be read");
    }
}
