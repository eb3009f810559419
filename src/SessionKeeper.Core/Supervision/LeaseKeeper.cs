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
}

/// <summary>
/// One daemon's side of the leases: registers it and heartbeats in the journal, claims its fair
/// share of the unfinished jobs, renews what it holds every <see cref="LeaseOptions.RenewEvery"/>,
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
        if (Lapsed || !Fence.Held.Any(l => l.Root == root))
        {
            return null;
        }

        var acting = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _acting[root] = acting;
        return acting;
    }

    /// <summary>The chain's supervision ended: its token goes, and so do its leases if it finished (the journal keeps the row's token).</summary>
    public void Done(JobId root, CancellationTokenSource acting)
    {
        _acting.TryRemove(new KeyValuePair<JobId, CancellationTokenSource>(root, acting));
        acting.Dispose();
    }

    /// <summary>
    /// One round: heartbeat, renew what is held (a job no longer returned is checked and, when
    /// another daemon has it, lost), then claim up to the fair share. Returns the jobs newly held.
    /// A journal that cannot be reached throws (<see cref="FailureKind.JournalUnavailable"/>):
    /// nothing changes here then, and <see cref="CheckDeadline"/> decides.
    /// </summary>
    public IReadOnlyList<JobLease> Tick()
    {
        var started = _time.GetTimestamp();
        _journal.Heartbeat(DaemonId, _host, Environment.ProcessId);
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

        return added;
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
    /// <paramref name="cancellationToken"/>; a failed round is told to <paramref name="failed"/>, and
    /// the first round that succeeds after failures to <paramref name="recovered"/>.
    /// </summary>
    public async Task RunAsync(Action<IReadOnlyList<JobLease>> claimed, Action<Exception> failed, Action<TimeSpan> recovered, CancellationToken cancellationToken)
    {
        var watchdog = WatchAsync(cancellationToken);
        long? failingSince = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    // Blocking database calls: off the caller's thread, so the watchdog keeps time.
                    var added = await Task.Run(Tick, cancellationToken);
                    if (failingSince is { } since)
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

                await Task.Delay(_options.RenewEvery, _time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await watchdog;
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
