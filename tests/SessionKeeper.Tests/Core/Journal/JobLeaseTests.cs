using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Journal;

/// <summary>
/// Leases (schema 9) on both stores: claims up to the fair share, expiry on the journal's clock,
/// takeover with a higher token, every kind of state write refused for a stale token, concurrent
/// claims that never take a job twice, and a daemon that stops acting on its own clock before its
/// lease can pass on. <see cref="SqliteJobLeaseTests"/>, <see cref="PostgresJobLeaseTests"/>.
/// </summary>
public abstract class JobLeaseTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);
    private readonly TempDir _dir = new();

    /// <summary>--journal for this store.</summary>
    protected abstract string Journal { get; }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
    }

    private protected JobJournal Open() => JobJournal.Open(_dir.Path, Journal);

    /// <summary>A journal with <paramref name="count"/> unfinished jobs (sent, not seen running yet), j001 oldest.</summary>
    private protected JobJournal WithJobs(int count)
    {
        var journal = Open();
        journal.AddIntents([.. Enumerable.Range(1, count).Select(i => new JournalJob
        {
            Id = JobId.Parse($"j{i:000}"),
            Endpoint = new JobEndpoint("deploy", $"h{i % 7}", 22, [], [], TimeSpan.FromSeconds(5)),
            Cookie = JobCookie.New(),
            Spec = new JobSpec("true"),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000 + i),
            Phase = JournalPhase.Intent,
            Restart = new RestartPolicy(RestartMode.Always, 3, TimeSpan.Zero),
        })]);
        return journal;
    }

    /// <summary>The same journal, as a daemon holding <paramref name="leases"/> writes it.</summary>
    private protected JobJournal Fenced(string owner, IEnumerable<JobLease> leases)
    {
        var journal = Open();
        journal.Fence = new LeaseFence(owner);
        foreach (var lease in leases)
        {
            journal.Fence.Hold(lease);
        }

        return journal;
    }

    private static JobStatus Running(string id) => new() { Id = JobId.Parse(id), State = JobState.Running, Pid = 4242 };

    [SkippableFact]
    public void A_claim_takes_the_oldest_unowned_unfinished_jobs_and_increments_each_token()
    {
        var journal = WithJobs(3);
        journal.AddIntent(new JournalJob
        {
            Id = JobId.Parse("planned"),
            Endpoint = new JobEndpoint("deploy", "h", 22, [], [], TimeSpan.FromSeconds(5)),
            Cookie = JobCookie.New(),
            Spec = new JobSpec("true"),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(1),
        });

        var claimed = journal.Claim("a", Long, capacity: 100);

        Assert.Equal(["j001 1 j001", "j002 1 j002", "j003 1 j003"], claimed.Select(l => $"{l.Id} {l.Token} {l.Root}"));
        Assert.Empty(journal.Claim("a", Long, 100)); // held already
        Assert.Empty(journal.Claim("b", Long, 100)); // not expired
        Assert.Equal(("a", 1L), Owner(journal, "j002"));
        Assert.Equal((null, 0L), Owner(journal, "planned")); // never sent: nothing to supervise
        Assert.Equal(["j001", "j002", "j003"], journal.Renew("a", Long).Select(l => l.Id.Value).Order());
    }

    [SkippableFact]
    public void Live_daemons_share_the_jobs_each_up_to_its_fair_share_and_its_capacity()
    {
        var journal = WithJobs(7);
        journal.Heartbeat("a", "host-a", 1);
        journal.Heartbeat("b", "host-b", 2);
        journal.Heartbeat("c", "host-c", 3);

        Assert.Equal(3, journal.Claim("a", Long, 100).Count); // ceil(7 / 3)
        Assert.Equal(2, journal.Claim("b", Long, capacity: 2).Count);
        Assert.Equal(2, journal.Claim("c", Long, 100).Count); // what is left
        Assert.Empty(journal.Claim("a", Long, 100));
        Assert.Empty(journal.Claim("b", Long, 100));
    }

    [SkippableFact]
    public void A_daemon_whose_heartbeat_is_older_than_the_lease_is_not_counted_and_its_expired_jobs_are_taken_over()
    {
        var journal = WithJobs(4);
        journal.Heartbeat("a", "host-a", 1);
        journal.Heartbeat("b", "host-b", 2);
        var a = journal.Claim("a", Long, 100);
        Assert.Equal(2, a.Count);
        Assert.Equal(2, journal.Claim("b", Long, 100).Count);

        // a dies: its leases lapse on the journal's clock (a lease of 0 is over at once), and its
        // heartbeat grows older than a lease, so it no longer counts: b's share is all four.
        journal.Renew("a", TimeSpan.Zero);
        Assert.Empty(journal.Claim("b", Long, 100)); // a still counts as live: b has its share
        journal.Run(c =>
        {
            using var age = c.CreateCommand();
            age.CommandText = "UPDATE daemons SET heartbeat_at = heartbeat_at - 600000 WHERE id = 'a'";
            return age.ExecuteNonQuery();
        });
        Assert.Equal(2, journal.Claim("b", Long, 100).Count);

        Assert.All(a, l => Assert.Equal(("b", 2L), Owner(journal, l.Id.Value)));
        Assert.Equal(("b", 1L), Owner(journal, "j003"));
    }

    [SkippableFact]
    public void After_a_takeover_every_write_with_the_old_token_is_refused_and_leaves_the_row_as_it_was()
    {
        var journal = WithJobs(1);
        var first = Assert.Single(journal.Claim("a", Long, 100));
        var a = Fenced("a", [first]);
        var lost = new List<string>();
        a.Fence!.Lost += (lease, why) => lost.Add($"{lease.Id}: {why}");
        a.RecordStatus(first.Id, Running("j001"), DateTimeOffset.UnixEpoch.AddDays(1), settled: false);

        journal.Renew("a", TimeSpan.Zero);
        var second = Assert.Single(journal.Claim("b", Long, 100));
        Assert.Equal(2, second.Token);
        var before = journal.Get(first.Id)!;

        var refused = Assert.Throws<LeaseLostException>(() => a.RecordCommitted(first.Id, 999));
        Assert.Equal(first.Id, refused.JobId);
        Assert.Equal(["j001: the journal refused a write with token 1: another daemon holds the lease (token 2)"], lost);

        // Once lost, nothing more is even sent, whatever the write.
        Assert.Throws<LeaseLostException>(() => a.RecordStatus(first.Id, new JobStatus { Id = first.Id, State = JobState.Exited, ExitCode = 9 }, DateTimeOffset.UtcNow));
        Assert.Throws<LeaseLostException>(() => a.RecordNotLaunched(first.Id, "late"));
        Assert.Throws<LeaseLostException>(() => a.ConfirmLease(first.Id));
        Assert.Single(lost);

        // A daemon that still believes in token 1 (a fresh fence) is refused by the journal too.
        var stale = Fenced("a", [first]);
        Assert.Throws<LeaseLostException>(() => stale.RecordStatus(first.Id, new JobStatus { Id = first.Id, State = JobState.Exited, ExitCode = 9 }, DateTimeOffset.UtcNow));
        Assert.Throws<LeaseLostException>(() => Fenced("a", [first]).MarkSending(first.Id));
        Assert.Throws<LeaseLostException>(() => Fenced("a", [first]).ConfirmLease(first.Id));

        var after = journal.Get(first.Id)!;
        Assert.Equal((before.Phase, before.LastStatus?.State, before.LastStatus?.ExitCode, before.CommittedLength), (after.Phase, after.LastStatus?.State, after.LastStatus?.ExitCode, after.CommittedLength));

        // The new owner writes.
        var b = Fenced("b", [second]);
        b.RecordStatus(first.Id, new JobStatus { Id = first.Id, State = JobState.Exited, ExitCode = 3 }, DateTimeOffset.UtcNow);
        Assert.Equal(3, journal.Get(first.Id)!.LastStatus!.ExitCode);
    }

    [SkippableFact]
    public void A_restart_is_journaled_only_with_the_previous_attempt_s_token_and_leased_to_the_same_daemon()
    {
        var journal = WithJobs(1);
        var first = Assert.Single(journal.Claim("a", Long, 100));
        var a = Fenced("a", [first]);
        var planner = new JobPlanner(a, _dir.Path);
        var root = journal.Get(first.Id)!;

        var next = planner.PlanRetry(root, 2);

        Assert.Equal("j001-r2", next.Id.Value);
        Assert.True(a.Fence!.TryGet(next.Id, out var held));
        Assert.Equal((1L, first.Id), (held.Token, held.Root));
        Assert.Equal(("a", 1L), Owner(journal, "j001-r2"));
        a.ConfirmLease(next.Id);

        // b takes the chain over (a's leases lapsed); a's restart of it is refused and journals nothing.
        journal.Renew("a", TimeSpan.Zero);
        var taken = journal.Claim("b", Long, 100);
        Assert.Contains(taken, l => l.Id == first.Id && l.Token == 2);
        Assert.Throws<LeaseLostException>(() => new JobPlanner(Fenced("a", [first]), _dir.Path).PlanRetry(root, 3));
        Assert.Null(journal.Get(JobId.Parse("j001-r3")));
    }

    [SkippableFact]
    public void A_journal_without_a_fence_writes_as_before_whoever_holds_the_lease()
    {
        var journal = WithJobs(1);
        journal.Claim("a", Long, 100);
        journal.RecordStatus(JobId.Parse("j001"), new JobStatus { Id = JobId.Parse("j001"), State = JobState.Exited, ExitCode = 0 }, DateTimeOffset.UtcNow);
        Assert.Equal(JournalPhase.Finished, journal.Get(JobId.Parse("j001"))!.Phase);
        Assert.Equal(("a", 1L), Owner(journal, "j001"));
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task Daemons_claiming_at_once_from_their_own_connections_never_take_a_job_twice()
    {
        var journal = WithJobs(120);
        var daemons = Enumerable.Range(0, 6).Select(i => $"d{i}").ToList();
        foreach (var d in daemons)
        {
            journal.Heartbeat(d, "host", 1);
        }

        using var start = new ManualResetEventSlim();
        var claims = daemons.Select(d => Task.Run(() =>
        {
            var mine = new List<JobLease>();
            var own = Open();
            start.Wait();
            for (var round = 0; round < 10; round++)
            {
                mine.AddRange(own.Claim(d, Long, 100));
            }

            return mine;
        })).ToList();
        start.Set();
        var all = (await Task.WhenAll(claims)).SelectMany(c => c).ToList();

        Assert.Equal(all.Count, all.Select(l => l.Id).Distinct().Count());
        Assert.All(all, l => Assert.Equal(1, l.Token));
        Assert.All(claims, c => Assert.InRange(c.Result.Count, 0, 20)); // ceil(120 / 6)
        Assert.Equal(all.Count, journal.Run(c =>
        {
            using var owned = c.CreateCommand();
            owned.CommandText = "SELECT count(*) FROM jobs WHERE lease_owner IS NOT NULL";
            return Convert.ToInt32(owned.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }));

        // SKIP LOCKED skips rows another claim holds at that instant, so a round may get fewer; one
        // more round each, one daemon at a time, leaves every job claimed exactly once.
        foreach (var d in daemons)
        {
            all.AddRange(journal.Claim(d, Long, 100));
        }

        Assert.Equal(120, all.Count);
        Assert.Equal(120, all.Select(l => l.Id).Distinct().Count());
        Assert.All(all, l => Assert.Equal(1, l.Token));
    }

    [SkippableFact]
    public void A_daemon_that_cannot_renew_gives_its_jobs_up_on_its_own_clock_before_the_lease_ends()
    {
        WithJobs(2);
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56));
        var journal = Open();
        var options = new LeaseOptions(TimeSpan.FromSeconds(15));
        var keeper = new LeaseKeeper(journal, "a", options, capacity: 10, time);
        journal.Fence = keeper.Fence;
        var lost = new List<string>();
        keeper.Fence.Lost += (lease, why) => lost.Add($"{lease.Id}: {why}");

        Assert.Equal(2, keeper.Tick().Count);
        using var acting = keeper.Acting(JobId.Parse("j001"), CancellationToken.None)!;
        Assert.NotNull(acting);

        // Renewals fail (the journal is not asked here): up to lease - margin the jobs are still acted on...
        time.Advance(options.Lease - options.SafetyMargin - TimeSpan.FromMilliseconds(1));
        Assert.False(keeper.CheckDeadline());
        Assert.False(acting.IsCancellationRequested);
        journal.RecordCommitted(JobId.Parse("j001"), 10);

        // ...and at lease - margin (12 s of 15) they are given up: supervision cancelled, writes refused here.
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(keeper.CheckDeadline());
        Assert.True(acting.IsCancellationRequested);
        Assert.Equal(2, lost.Count);
        Assert.All(lost, l => Assert.EndsWith("no lease renewal succeeded for 12 s (lease 15 s)", l, StringComparison.Ordinal));
        Assert.Throws<LeaseLostException>(() => journal.RecordCommitted(JobId.Parse("j001"), 20));
        Assert.Null(keeper.Acting(JobId.Parse("j002"), CancellationToken.None));
        Assert.Equal(10, journal.Get(JobId.Parse("j001"))!.CommittedLength);

        // A renewal that gets through while nobody took them over gives them back, same tokens.
        Assert.Equal(["j001 1", "j002 1"], keeper.Tick().Select(l => $"{l.Id} {l.Token}").Order());
        Assert.False(keeper.Lapsed);
    }

    [SkippableFact]
    public void A_renewal_finds_the_jobs_another_daemon_took_over_and_a_finished_one_is_released_not_lost()
    {
        var journal = WithJobs(2);
        var time = new FakeTimeProvider();
        var a = new LeaseKeeper(Open(), "a", new LeaseOptions(TimeSpan.FromSeconds(15)), 10, time);
        var lost = new List<string>();
        a.Fence.Lost += (lease, why) => lost.Add($"{lease.Id}: {why}");
        Assert.Equal(2, a.Tick().Count);

        Fenced("a", a.Fence.Held).RecordStatus(JobId.Parse("j002"), new JobStatus { Id = JobId.Parse("j002"), State = JobState.Exited, ExitCode = 0 }, DateTimeOffset.UtcNow);
        journal.Renew("a", TimeSpan.Zero);
        journal.Heartbeat("b", "host-b", 2);
        Assert.Equal("j001", Assert.Single(journal.Claim("b", Long, 100)).Id.Value);

        Assert.Empty(a.Tick());
        Assert.Equal(["j001: its lease passed to b (token 2)"], lost);
        Assert.Equal(0, a.Fence.Count);
    }

    [SkippableFact]
    public void A_daemon_stopping_hands_its_jobs_back_for_another_to_claim_at_once()
    {
        var journal = WithJobs(3);
        var a = new LeaseKeeper(Open(), "a", new LeaseOptions(Long), 10);
        Assert.Equal(3, a.Tick().Count);
        a.Release();
        Assert.Equal(0, a.Fence.Count);
        Assert.Equal(["j001 2", "j002 2", "j003 2"], journal.Claim("b", Long, 100).Select(l => $"{l.Id} {l.Token}"));
    }

    [Theory]
    [InlineData(10, "a:64 b:64 c:64", "4 4 4")] // ceil(10 / 3) each
    [InlineData(10, "a:2 b:64", "2 8")]
    [InlineData(10, "a:64 b:0", "5 5")] // 0: no limit known
    [InlineData(3, "a:2 b:2", "2 2")]
    [InlineData(9, "a:2 b:2", "2 2")] // the rest waits for capacity
    [InlineData(9, "a:64 b:2 c:2", "5 2 2")]
    public void Shares_fill_the_smallest_capacities_first_and_the_rest_is_spread_over_the_others(long unfinished, string daemons, string expected)
    {
        var live = daemons.Split(' ').Select(d => d.Split(':')).Select(d => (Id: d[0], Capacity: long.Parse(d[1], System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var shares = live.Select(d => JobJournal.ShareOf(d.Id, d.Capacity == 0 ? 1000 : (int)d.Capacity, live.Where(o => o.Id != d.Id), unfinished));
        Assert.Equal(expected, string.Join(' ', shares));
    }

    [SkippableFact]
    public void A_new_daemon_picks_up_its_share_the_others_hand_back_what_is_above_theirs()
    {
        WithJobs(12);
        var a = new LeaseKeeper(Open(), "a", new LeaseOptions(Long), 64);
        var handedBack = new List<int>();
        a.HandedBack += (count, _) => handedBack.Add(count);
        Assert.Equal(12, a.Tick().Count); // alone: everything

        var b = new LeaseKeeper(Open(), "b", new LeaseOptions(Long), 64);
        Assert.Empty(b.Tick()); // registered; nothing unowned yet
        a.Tick(); // a sees b: hands back the newest six
        Assert.Equal([6], handedBack);
        Assert.Equal(["j001", "j002", "j003", "j004", "j005", "j006"], a.Fence.Held.Select(l => l.Id.Value).Order());
        Assert.Equal(["j007 3", "j008 3", "j009 3", "j010 3", "j011 3", "j012 3"], b.Tick().Select(l => $"{l.Id} {l.Token}").Order()); // handing back moves the token on, and b's claim again

        var c = new LeaseKeeper(Open(), "c", new LeaseOptions(Long), 64);
        c.Tick();
        a.Tick();
        b.Tick();
        c.Tick();
        Assert.Equal([4, 4, 4], new[] { a, b, c }.Select(k => k.Fence.Count));

        // Balanced within one: nobody hands anything back any more.
        foreach (var keeper in new[] { a, b, c, a, b, c })
        {
            keeper.Tick();
        }

        Assert.Equal([6, 2], handedBack);
        Assert.Equal(12, new[] { a, b, c }.Sum(k => k.Fence.Count));
    }

    [SkippableFact]
    public void A_chain_under_supervision_is_handed_back_only_once_its_supervision_stopped()
    {
        var journal = WithJobs(4);
        var a = new LeaseKeeper(Open(), "a", new LeaseOptions(Long), 64);
        a.Tick();
        using var stopping = new CancellationTokenSource();
        var newest = a.Acting(JobId.Parse("j004"), stopping.Token)!;
        var oldest = a.Acting(JobId.Parse("j001"), stopping.Token)!;

        var b = new LeaseKeeper(Open(), "b", new LeaseOptions(Long), 64);
        b.Tick();
        a.Tick(); // share 2 each: j004 and j003 go; j003 at once, j004 once its supervision stopped
        Assert.True(newest.IsCancellationRequested);
        Assert.False(oldest.IsCancellationRequested);
        Assert.Null(Owner(journal, "j003").Owner);
        Assert.Equal("a", Owner(journal, "j004").Owner);
        Assert.Null(a.Acting(JobId.Parse("j004"), stopping.Token)); // being handed back: nobody starts on it again

        a.Done(JobId.Parse("j004"), newest);
        a.Tick();
        Assert.Null(Owner(journal, "j004").Owner);
        Assert.Equal(["j003", "j004"], b.Tick().Select(l => l.Id.Value));
        Assert.Equal(["j001", "j002"], a.Fence.Held.Select(l => l.Id.Value).Order());
        a.Done(JobId.Parse("j001"), oldest);
    }

    [SkippableFact]
    public void A_target_a_daemon_cannot_authenticate_to_is_left_to_the_others_and_not_claimed_again()
    {
        var journal = WithJobs(4);
        var a = new LeaseKeeper(Open(), "a", new LeaseOptions(Long), 64);
        var b = new LeaseKeeper(Open(), "b", new LeaseOptions(Long), 64);
        journal.Heartbeat("b", "host-b", 2, 64);
        Assert.Equal(["j001", "j002"], a.Tick().Select(l => l.Id.Value));
        Assert.Equal(["j003", "j004"], b.Tick().Select(l => l.Id.Value));

        var refused = journal.Unfinished().Single(j => j.Id.Value == "j001");
        Assert.True(a.Refuse(refused, "permission denied (publickey)"));
        Assert.False(a.Refuse(refused, "permission denied (publickey)")); // said once
        Assert.Equal(["j002"], a.Fence.Held.Select(l => l.Id.Value));
        Assert.Equal((null, 2L), Owner(journal, "j001")); // unowned, not failed; the token moved on
        Assert.Equal(JournalPhase.Intent, journal.Unfinished().Single(j => j.Id.Value == "j001").Phase);

        a.Tick();
        Assert.Null(Owner(journal, "j001").Owner); // a never claims it back
        Assert.Equal(["j001 3"], b.Tick().Select(l => $"{l.Id} {l.Token}")); // beyond b's share: nobody else would take it
        foreach (var keeper in new[] { a, b, a, b })
        {
            keeper.Tick();
        }

        Assert.Equal(("b", 3L), Owner(journal, "j001")); // b does not hand back what only it can take
        Assert.Equal(["a deploy@h1:22 permission denied (publickey)"], journal.Refusals().Select(r => $"{r.DaemonId} {r.Target} {r.Problem}"));
    }

    [SkippableFact]
    public void A_claim_between_rounds_takes_only_launched_jobs_up_to_the_free_capacity_and_nothing_once_the_leases_may_have_lapsed()
    {
        var journal = WithJobs(1);
        var time = new FakeTimeProvider();
        var options = new LeaseOptions(TimeSpan.FromSeconds(15));
        var keeper = new LeaseKeeper(Open(), "a", options, capacity: 4, time);
        Add(journal, 2, launched: false);
        Add(journal, 3, launched: true);
        Assert.Empty(keeper.ClaimLaunched()); // never renewed yet
        Assert.Null(Owner(journal, "j003").Owner);

        Assert.Equal(["j001", "j002", "j003"], keeper.Tick().Select(l => l.Id.Value).Order());
        foreach (var n in Enumerable.Range(4, 4))
        {
            Add(journal, n, launched: n != 5);
        }

        // Launched only (j005 may be a launch on its way), and one free place of four.
        Assert.Equal(["j004 1"], keeper.ClaimLaunched().Select(l => $"{l.Id} {l.Token}"));
        Assert.Equal(4, keeper.Fence.Count);
        Assert.Empty(keeper.ClaimLaunched());

        Fenced("a", keeper.Fence.Held).RecordStatus(JobId.Parse("j003"), new JobStatus { Id = JobId.Parse("j003"), State = JobState.Exited, ExitCode = 0 }, DateTimeOffset.UtcNow);
        time.Advance(options.Lease - options.SafetyMargin);
        Assert.True(keeper.Lapsed);
        Assert.Empty(keeper.ClaimLaunched());
        Assert.Null(Owner(journal, "j006").Owner);

        // The round renews and claims what it may, intents too.
        Assert.Equal(["j005"], keeper.Tick().Select(l => l.Id.Value));
    }

    [SkippableFact]
    public async Task A_wake_up_claims_launched_jobs_between_rounds_at_most_once_a_gap_and_never_delays_a_round()
    {
        var journal = WithJobs(1);
        var time = new FakeTimeProvider();
        var options = new LeaseOptions(TimeSpan.FromSeconds(15)) { ClaimGap = TimeSpan.FromHours(1) };
        var keeper = new LeaseKeeper(Open(), "a", options, capacity: 10, time);
        var wakeups = new Wakeup();
        await using var run = KeeperRun.Start(keeper, wakeups);

        Assert.Equal("j001", await run.Next()); // the first round
        Add(journal, 2, launched: false);
        Add(journal, 3, launched: true);
        wakeups.Set();
        Assert.Equal("j003", await run.Next()); // at once, the intent left to the rounds
        Assert.Null(Owner(journal, "j002").Owner);

        // Woken again within the gap: the claim waits for the gap, but the round due does not.
        Add(journal, 4, launched: true);
        wakeups.Set();
        wakeups.Set();
        time.Advance(options.RenewEvery);
        Assert.Equal("j002 j004", await run.Next());
    }

    [SkippableFact]
    public async Task A_round_whose_timer_ends_a_few_milliseconds_early_is_still_a_round_not_a_claim_nobody_asked_for()
    {
        var journal = WithJobs(1);
        var time = new EarlyTimersFakeTime(TimeSpan.FromMilliseconds(3));
        var options = new LeaseOptions(TimeSpan.FromSeconds(15));
        var keeper = new LeaseKeeper(Open(), "a", options, capacity: 10, time);
        await using var run = KeeperRun.Start(keeper, new Wakeup());

        Assert.Equal("j001", await run.Next());
        Add(journal, 2, launched: false);
        Add(journal, 3, launched: true);

        // The round's timer ends 3 ms short of RenewEvery: a round all the same, which takes the
        // intent too (a claim between rounds, unasked, would take j003 alone).
        time.Advance(options.RenewEvery - TimeSpan.FromMilliseconds(3));
        Assert.Equal("j002 j003", await run.Next());
    }

    /// <summary>Job j00<paramref name="n"/>, journaled after <see cref="WithJobs"/>'s; with <paramref name="launched"/>, its launch answered (running).</summary>
    private protected static void Add(JobJournal journal, int n, bool launched)
    {
        var id = $"j{n:000}";
        journal.AddIntent(new JournalJob
        {
            Id = JobId.Parse(id),
            Endpoint = new JobEndpoint("deploy", "h1", 22, [], [], TimeSpan.FromSeconds(5)),
            Cookie = JobCookie.New(),
            Spec = new JobSpec("true"),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_001_000 + n),
            Phase = JournalPhase.Intent,
        });
        if (launched)
        {
            journal.RecordLaunchReply(JobId.Parse(id), Running(id), DateTimeOffset.UtcNow);
            Assert.Equal(JournalPhase.Launched, journal.Get(JobId.Parse(id))!.Phase);
        }
    }

    private static (string? Owner, long Token) Owner(JobJournal journal, string id)
    {
        var (owner, token, _) = journal.LeaseOf(JobId.Parse(id));
        return (owner, token);
    }
}

/// <summary>
/// <see cref="LeaseKeeper.RunAsync"/> running, and what it tells in order: the ids of the jobs
/// each claim took ("j002 j003"), "failed: MESSAGE", "recovered after N s". Disposing stops it.
/// </summary>
internal sealed class KeeperRun : IAsyncDisposable
{
    private readonly Channel<string> _told = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    public static KeeperRun Start(LeaseKeeper keeper, Wakeup wakeups)
    {
        var run = new KeeperRun();
        run._running = keeper.RunAsync(
            added => run._told.Writer.TryWrite(string.Join(' ', added.Select(l => l.Id.Value).Order())),
            ex => run._told.Writer.TryWrite($"failed: {ex.Message}"),
            after => run._told.Writer.TryWrite($"recovered after {after.TotalSeconds:0.###} s"),
            run._stop.Token,
            wakeups);
        return run;
    }

    /// <summary>The next thing told, within 30 s.</summary>
    public Task<string> Next() => _told.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running.WaitAsync(TimeSpan.FromSeconds(30));
        _stop.Dispose();
    }
}

public sealed class SqliteJobLeaseTests : JobLeaseTests
{
    protected override string Journal => JobJournal.Embedded;
}

[Collection(PostgresServer.Name)]
public sealed class PostgresJobLeaseTests(PostgresCluster cluster) : JobLeaseTests
{
    private string? _url;

    protected override string Journal => _url ??= cluster.NewDatabase();

    [Fact(Timeout = 120_000)]
    public async Task A_claim_between_rounds_that_fails_starts_the_outage_and_the_first_round_that_succeeds_after_it_ends_it()
    {
        var journal = WithJobs(1);
        var time = new FakeTimeProvider();
        var options = new LeaseOptions(TimeSpan.FromSeconds(15)) { ClaimGap = TimeSpan.Zero };
        var keeper = new LeaseKeeper(Open(), "a", options, capacity: 10, time);
        var wakeups = new Wakeup();
        await using var run = KeeperRun.Start(keeper, wakeups);
        var database = Journal[(Journal.LastIndexOf('/') + 1)..];

        Assert.Equal("j001", await run.Next());

        // The journal fails the claim a wake-up asks for: told, and the outage begins there.
        cluster.Execute(database, "ALTER TABLE jobs RENAME TO jobs_away");
        wakeups.Set();
        Assert.StartsWith("failed: cannot use the journal", await run.Next(), StringComparison.Ordinal);

        // While it lasts, a wake-up claims nothing (nothing is told): the round tries next.
        wakeups.Set();
        time.Advance(TimeSpan.FromSeconds(1));
        cluster.Execute(database, "ALTER TABLE jobs_away RENAME TO jobs");
        Add(journal, 2, launched: true);
        time.Advance(options.RenewEvery - TimeSpan.FromSeconds(1));
        Assert.Equal("recovered after 5 s", await run.Next());
        Assert.Equal("j002", await run.Next());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _url is not null)
        {
            cluster.DropDatabase(_url);
        }

        base.Dispose(disposing);
    }
}
