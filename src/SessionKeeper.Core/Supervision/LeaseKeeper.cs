using System.Collections.Concurrent;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Core.Supervision;

/// <summary>How long a daemon's leases last, how often they are renewed, and when an owner that could not renew gives up.</summary>
internal sealed record LeaseOptions(TimeSpan Lease)
{
    public static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(15);

    /// <summary>Renewals come every third of the lease: two may fail before the owner gives its jobs up.</summary>
    public TimeSpan RenewEvery => Lease / 3;

    /// <summary>
    /// The owner stops acting this long before its lease could pass to another daemon, measured on
    /// its own monotonic clock from the start of its last successful renewal (so a slow round trip
    /// only makes it stop earlier): a fifth of the lease, for clock rates that differ and for a
    /// write already on its way.
    /// </summary>
    public TimeSpan SafetyMargin => Lease / 5;

    /// <summary>
    /// Between two claims a wake-up asks for (<see cref="LeaseKeeper.RunAsync"/>), at least this
    /// long: a burst of starts is claimed in a few passes, not one pass each, and wake-ups never spin.
    /// </summary>
    public TimeSpan ClaimGap { get; init; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>
/// One daemon's side of the leases: registers it and heartbeats in the journal, claims its fair
/// share of the unfinished jobs (and hands back what is above it when daemons join), renews what it
/// holds every <see cref="LeaseOptions.RenewEvery"/>,
/// and keeps <see cref="Fence"/> (set on the journal by the caller) to what it really holds. A job
/// the journal says it no longer holds, or every job when no renewal has succeeded by the last
/// success + lease - margin, is lost: its <see cref="Acting"/> token is cancelled so its
/// supervision stops, and <see cref="LeaseFence.Lost"/> says so once.
/// </summary>
internal sealed class LeaseKeeper
{
    private readonly JobJournal _journal;
    private readonly LeaseOptions _options;
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly string _host = Environment.MachineName;
    private readonly ConcurrentDictionary<JobId, CancellationTokenSource> _acting = new();

    /// <summary>Guards starting to act on a root against handing it back (<see cref="Acting"/>, <see cref="Shed"/>).</summary>
    private readonly Lock _gate = new();

    /// <summary>Roots being handed back: their supervision was told to stop; their leases go once it has.</summary>
    private readonly HashSet<JobId> _shedding = [];
    private long _renewedAt;
    private bool _everRenewed;

    public LeaseKeeper(JobJournal journal, string daemonId, LeaseOptions options, int capacity, TimeProvider? time = null)
    {
        _journal = journal;
        _options = options;
        _capacity = capacity;
        _time = time ?? TimeProvider.System;
        Fence = new LeaseFence(daemonId);
        Fence.Lost += (lease, _) =>
        {
            if (_acting.TryGetValue(lease.Root, out var acting))
            {
                acting.Cancel();
            }
        };
    }

    public LeaseFence Fence { get; }

    /// <summary>Told how many jobs this daemon handed back to the journal for the others, and why.</summary>
    public event Action<int, string>? HandedBack;

    public string DaemonId => Fence.Owner;

    /// <summary>A daemon id for a shared journal: unique to this process (host, pid and a random part).</summary>
    public static string NewDaemonId() =>
        $"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}";

    /// <summary>Whether this daemon's leases may have lapsed: no renewal succeeded within lease - margin.</summary>
    public bool Lapsed => !_everRenewed || _time.GetElapsedTime(Volatile.Read(ref _renewedAt)) >= _options.Lease - _options.SafetyMargin;

    /// <summary>
    /// A token for supervising the chain of attempts <paramref name="root"/>, cancelled when its
    /// lease is lost; null when this daemon does not hold the chain's lease (any more).
    /// </summary>
    public CancellationTokenSource? Acting(JobId root, CancellationToken stopping)
    {
        lock (_gate)
        {
            if (Lapsed || _shedding.Contains(root) || !Fence.Held.Any(l => l.Root == root))
            {
                return null;
            }

            var acting = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            _acting[root] = acting;
            return acting;
        }
    }

    /// <summary>The chain's supervision ended: its token goes, and so do its leases if it finished (the journal keeps the row's token).</summary>
    public void Done(JobId root, CancellationTokenSource acting)
    {
        lock (_gate)
        {
            _acting.TryRemove(new KeyValuePair<JobId, CancellationTokenSource>(root, acting));
        }

        acting.Dispose();
    }

    /// <summary>
    /// This daemon cannot authenticate to <paramref name="job"/>'s target (or refused its host key):
    /// recorded in the journal, so that it claims none of that target's jobs for a while and the
    /// other daemons take them, and the chain's leases are handed back, unwritten. Call it once the
    /// chain's supervision ended. True the first time for that target (say so then).
    /// </summary>
    public bool Refuse(JournalJob job, string problem)
    {
        var fresh = _journal.Refuse(DaemonId, job.Endpoint, problem);
        var root = job.RootId ?? job.Id;
        List<JobLease> leases;
        lock (_gate)
        {
            leases = [.. Fence.Held.Where(l => l.Root == root)];
            foreach (var lease in leases)
            {
                Fence.Release(lease.Id);
            }
        }

        _journal.ReleaseLeases(DaemonId, leases);
        return fresh;
    }

    /// <summary>
    /// One round: heartbeat, renew what is held (a job no longer returned is checked and, when
    /// another daemon has it, lost), claim up to the fair share, then hand back what is more than
    /// one above it (a daemon joined: it picks up its share). Returns the jobs newly held.
    /// A journal that cannot be reached throws (<see cref="FailureKind.JournalUnavailable"/>):
    /// nothing changes here then, and <see cref="CheckDeadline"/> decides.
    /// </summary>
    public IReadOnlyList<JobLease> Tick()
    {
        var started = _time.GetTimestamp();
        _journal.Heartbeat(DaemonId, _host, Environment.ProcessId, _capacity);
        var renewed = _journal.Renew(DaemonId, _options.Lease);
        var claimed = _journal.Claim(DaemonId, _options.Lease, _capacity);
        Volatile.Write(ref _renewedAt, started);
        _everRenewed = true;

        var owned = renewed.Concat(claimed).ToDictionary(l => l.Id);
        foreach (var held in Fence.Held)
        {
            if (!owned.TryGetValue(held.Id, out var now) || now.Token != held.Token)
            {
                // Finished (the row left the unfinished phases: not a loss) or someone else's now.
                var (owner, token, _) = _journal.LeaseOf(held.Id);
                if (owner != DaemonId || token != held.Token)
                {
                    Fence.Lose(held.Id, owner is null ? "its lease was released" : $"its lease passed to {owner} (token {token})");
                }
                else
                {
                    Fence.Release(held.Id);
                }
            }
        }

        var added = new List<JobLease>();
        foreach (var lease in owned.Values)
        {
            if (!Fence.TryGet(lease.Id, out _))
            {
                Fence.Hold(lease);
                added.Add(lease);
            }
        }

        var handedBack = Shed(_journal.Excess(DaemonId, _options.Lease, _capacity));
        if (handedBack > 0)
        {
            HandedBack?.Invoke(handedBack, $"above this daemon's share of {Fence.Count + handedBack} held; the other live daemons take them");
        }

        return added;
    }

    /// <summary>
    /// A claim between two rounds (a wake-up: a start was launched): only unowned or expired jobs
    /// whose launch has been answered (<c>launched</c>), up to the same share and capacity as
    /// <see cref="Tick"/>'s claim. An <c>intent</c> may be a launch still on its way (a CLI's, or
    /// the broker's next start): it is left to the rounds, as before. Nothing is renewed, handed
    /// back or heartbeated here, and nothing is claimed while the leases may have lapsed. Returns
    /// the jobs newly held.
    /// </summary>
    public IReadOnlyList<JobLease> ClaimLaunched()
    {
        if (Lapsed)
        {
            return [];
        }

        var added = new List<JobLease>();
        foreach (var lease in _journal.Claim(DaemonId, _options.Lease, _capacity, launchedOnly: true))
        {
            if (Fence.TryGet(lease.Id, out var held))
            {
                if (held.Token == lease.Token)
                {
                    continue;
                }

                // Ours once, expired, and claimed anew: the old token's writes are refused, as after a round.
                Fence.Lose(held.Id, $"its lease was claimed anew (token {lease.Token})");
            }

            Fence.Hold(lease);
            added.Add(lease);
        }

        return added;
    }

    /// <summary>
    /// Rebalancing: the chains of <paramref name="excess"/> go back to the journal, whole. One not
    /// acted on goes at once; one under supervision is told to stop, and goes at the first round
    /// after its supervision ended (so nothing it writes races the next owner). Returns how many
    /// jobs were handed back now.
    /// </summary>
    private int Shed(IReadOnlyList<JobLease> excess)
    {
        var release = new List<JobLease>();
        var stop = new List<CancellationTokenSource>();
        lock (_gate)
        {
            foreach (var root in excess.Select(l => l.Root).Distinct())
            {
                _shedding.Add(root);
                if (_acting.TryGetValue(root, out var acting))
                {
                    stop.Add(acting);
                }
            }

            foreach (var root in _shedding.Where(r => !_acting.ContainsKey(r)).ToList())
            {
                foreach (var lease in Fence.Held.Where(l => l.Root == root))
                {
                    Fence.Release(lease.Id);
                    release.Add(lease);
                }

                _shedding.Remove(root);
            }
        }

        foreach (var acting in stop)
        {
            try
            {
                acting.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Its supervision ended meanwhile: it goes at the next round.
            }
        }

        return release.Count == 0 ? 0 : _journal.ReleaseLeases(DaemonId, release);
    }

    /// <summary>Past the deadline without a renewal: every job is given up before another daemon can claim it.</summary>
    public bool CheckDeadline()
    {
        if (!_everRenewed || !Lapsed || Fence.Count == 0)
        {
            return false;
        }

        Fence.LoseAll($"no lease renewal succeeded for {(_options.Lease - _options.SafetyMargin).TotalSeconds:0.#} s (lease {_options.Lease.TotalSeconds:0.#} s)");
        return true;
    }

    /// <summary>
    /// Renews every <see cref="LeaseOptions.RenewEvery"/> and watches the deadline until
    /// <paramref name="cancellationToken"/>. Between rounds, each <paramref name="wakeups"/>
    /// wake-up (coalesced, at most one per <see cref="LeaseOptions.ClaimGap"/>) runs
    /// <see cref="ClaimLaunched"/>; a round due comes first, and no wake-up delays it. What either
    /// claims goes to <paramref name="claimed"/>. A call that fails, a round's or a claim's, is told
    /// to <paramref name="failed"/>; from then on wake-ups claim nothing (the rounds keep trying),
    /// and the first round that succeeds is told to <paramref name="recovered"/>.
    /// </summary>
    public async Task RunAsync(Action<IReadOnlyList<JobLease>> claimed, Action<Exception> failed, Action<TimeSpan> recovered, CancellationToken cancellationToken, Wakeup? wakeups = null)
    {
        var watchdog = WatchAsync(cancellationToken);
        long? failingSince = null;
        long lastRound = 0;
        long? lastClaim = null;
        var round = true;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    // Blocking database calls: off the caller's thread, so the watchdog keeps time.
                    var added = await Task.Run(round ? Tick : (Func<IReadOnlyList<JobLease>>)ClaimLaunched, cancellationToken);
                    if (round && failingSince is { } since)
                    {
                        recovered(_time.GetElapsedTime(since));
                        failingSince = null;
                    }

                    if (added.Count > 0)
                    {
                        claimed(added);
                    }
                }
                catch (SessionKeeperException ex)
                {
                    failingSince ??= _time.GetTimestamp();
                    failed(ex);
                }

                if (round)
                {
                    lastRound = _time.GetTimestamp();
                }
                else
                {
                    lastClaim = _time.GetTimestamp();
                }

                round = await NextIsRoundAsync(wakeups, lastRound, lastClaim, failingSince is not null, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await watchdog;
    }

    /// <summary>
    /// Waits for what <see cref="RunAsync"/> does next: the round due <see cref="LeaseOptions.RenewEvery"/>
    /// after <paramref name="lastRound"/> (true), or a claim a wake-up asks for (false), once
    /// <see cref="LeaseOptions.ClaimGap"/> has passed since <paramref name="lastClaim"/>. A wait that
    /// ran out means the round is due, whatever the clock says: timers keep a coarser clock than
    /// <see cref="TimeProvider.GetTimestamp"/> and may end a few milliseconds short of it. While
    /// <paramref name="failing"/>, wake-ups are let pass: the round tries the journal next.
    /// </summary>
    private async Task<bool> NextIsRoundAsync(Wakeup? wakeups, long lastRound, long? lastClaim, bool failing, CancellationToken cancellationToken)
    {
        while (true)
        {
            var untilRound = _options.RenewEvery - _time.GetElapsedTime(lastRound);
            if (untilRound <= TimeSpan.Zero)
            {
                return true;
            }

            if (wakeups is null)
            {
                await Task.Delay(untilRound, _time, cancellationToken);
                return true;
            }

            if (!await wakeups.WaitAsync(untilRound, _time, cancellationToken))
            {
                return true;
            }

            if (failing)
            {
                continue;
            }

            // Woken within the gap after the last claim: it waits out the gap (never past the round
            // due), and the wake-ups that come meanwhile are this claim's too.
            var gap = lastClaim is { } claimedAt ? _options.ClaimGap - _time.GetElapsedTime(claimedAt) : TimeSpan.Zero;
            if (gap <= TimeSpan.Zero)
            {
                return false;
            }

            untilRound = _options.RenewEvery - _time.GetElapsedTime(lastRound);
            await Task.Delay(gap < untilRound ? gap : untilRound, _time, cancellationToken);
            return gap >= untilRound;
        }
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                CheckDeadline();
                // Wake at the deadline; once past it (nothing held, or given up), at the renewals' pace.
                var left = _everRenewed
                    ? _options.Lease - _options.SafetyMargin - _time.GetElapsedTime(Volatile.Read(ref _renewedAt))
                    : TimeSpan.Zero;
                await Task.Delay(left > TimeSpan.Zero ? left : _options.RenewEvery, _time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>On a clean stop: the jobs go back to the journal for the other daemons at once.</summary>
    public void Release()
    {
        Fence.LoseAll("this daemon is stopping");
        _journal.ReleaseLeases(DaemonId);
    }
}
