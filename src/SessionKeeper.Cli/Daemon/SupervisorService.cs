using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Daemon;

/// <summary>
/// Supervises the unfinished jobs of the journal it holds the leases of (<see cref="LeaseKeeper"/>:
/// its fair share when daemons share a journal, every job otherwise): keeps mirrors current,
/// records exit codes, reconnects through drops, applies restart policies, and picks up jobs the
/// CLI launches later. Every state write it makes for a job is fenced by the job's lease token.
/// </summary>
internal sealed class SupervisorService(DaemonSettings settings, ILogger<SupervisorService> logger, Broker.BrokerPool? pool = null, StartsLaunched? launched = null) : BackgroundService
{
    /// <summary>Wakes the poll of <see cref="Due"/> when a claim between rounds took jobs: they are supervised at once.</summary>
    private readonly Wakeup _claimed = new();

    /// <summary>The roots (chains of attempts) handed to a worker and not finished yet.</summary>
    private readonly ConcurrentDictionary<JobId, byte> _supervised = new();

    /// <summary>Per root, what its last supervision threw unexpectedly: thrown when the daemon stops.</summary>
    private readonly ConcurrentDictionary<JobId, ExceptionDispatchInfo> _faults = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // With the broker, the daemon's own connections are the pool's: one limit per host for everyone.
        var keeper = Keepers.Open(settings.StateRoot, new LoggingSupervisionObserver(logger), transport: pool is null ? null : new Broker.PooledTransport(pool, SshTransport.Default, (host, what) => Broker.BrokerLog.Watcher(logger, host, what)), journal: settings.Journal);
        var journal = keeper.Journal;

        // A shared journal's daemons each have an id of their own; the embedded journal has one
        // daemon per state directory, and a restarted one takes its jobs back at once.
        var leases = new LeaseKeeper(journal, journal.IsShared ? LeaseKeeper.NewDaemonId() : $"{Environment.MachineName}/local", new LeaseOptions(settings.Lease ?? LeaseOptions.DefaultLease), settings.Parallel);
        journal.Fence = leases.Fence;
        leases.Fence.Lost += (lease, why) => DaemonLog.LeaseLost(logger, lease.Id.Value, why);
        leases.HandedBack += (count, why) => DaemonLog.HandedBack(logger, count, why);
        var marked = journal.IsShared ? 0 : journal.MarkUnfinishedToBeChecked();
        DaemonLog.Started(logger, journal.Unfinished().Count, journal.Path, marked);
        DaemonLog.Leasing(logger, leases.DaemonId, (settings.Lease ?? LeaseOptions.DefaultLease).TotalSeconds);
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        try
        {
            leases.Tick(); // the first share before the first poll
        }
        catch (SessionKeeperException ex)
        {
            DaemonLog.LeasesFailed(logger, ex.Message.TrimEnd('.'));
        }

        var renewer = leases.RunAsync(
            added =>
            {
                DaemonLog.Claimed(logger, added.Count, leases.Fence.Count);
                _claimed.Set();
            },
            ex => DaemonLog.LeasesFailed(logger, ex.Message.TrimEnd('.')),
            after => DaemonLog.LeasesRenewed(logger, after.TotalSeconds, leases.Fence.Count),
            renewing.Token,
            launched?.Wakeup);
        try
        {
            await BoundedParallel.RunAsync(Due(journal, leases, stoppingToken), settings.Parallel, null, async (job, _, ct) =>
            {
                await SuperviseAsync(keeper, leases, job, ct);
                return false;
            }, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await renewing.CancelAsync();
            await renewer;
        }

        try
        {
            leases.Release(); // the other daemons take the jobs over at once, not a lease later
        }
        catch (SessionKeeperException ex)
        {
            DaemonLog.LeasesFailed(logger, ex.Message.TrimEnd('.'));
        }

        _faults.Values.FirstOrDefault()?.Throw();
        DaemonLog.Stopping(logger, journal.Unfinished().Count);
    }

    /// <summary>
    /// Every poll (every poll interval, and as soon as a claim took jobs), the unfinished jobs this
    /// daemon holds the lease of and whose root is not supervised already, in journal order; each
    /// is asked for when a worker is free. Roots still
    /// supervised when the journal is read are left to the next poll, even if they end meanwhile:
    /// their rows may be stale by then.
    /// </summary>
    private async IAsyncEnumerable<JournalJob> Due(JobJournal journal, LeaseKeeper leases, [EnumeratorCancellation] CancellationToken stoppingToken)
    {
        while (true)
        {
            var busy = _supervised.Keys.ToHashSet();
            IReadOnlyList<JournalJob> unfinished;
            try
            {
                unfinished = journal.Unfinished();
            }
            catch (SessionKeeperException ex) when (ex.Kind == FailureKind.JournalUnavailable)
            {
                // A shared journal restarting or out of reach: the supervisions go on, the next poll tries again.
                DaemonLog.PollFailed(logger, ex.Message.TrimEnd('.'));
                unfinished = [];
            }

            foreach (var job in unfinished)
            {
                var root = job.RootId ?? job.Id;
                if (leases.Fence.TryGet(job.Id, out _) && !busy.Contains(root) && _supervised.TryAdd(root, 0))
                {
                    yield return job;
                }
            }

            await _claimed.WaitAsync(settings.PollInterval, TimeProvider.System, stoppingToken);
        }
    }

    private async Task SuperviseAsync(JobKeeper keeper, LeaseKeeper leases, JournalJob job, CancellationToken stoppingToken)
    {
        var root = job.RootId ?? job.Id;
        var acting = leases.Acting(root, stoppingToken);
        if (acting is null)
        {
            _supervised.TryRemove(root, out _); // lost between the poll and now
            return;
        }

        string? refused = null;
        try
        {
            DaemonLog.Supervising(logger, job.Id.Value, job.Endpoint.Label);
            var supervised = await keeper.AttachAsync(job.Id.Value, null, null, settings.Stream, acting.Token);
            DaemonLog.Finished(logger, supervised.Job.Id.Value, job.Endpoint.Label, supervised.Status.Describe());
            _faults.TryRemove(root, out _);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _faults.TryRemove(root, out _);
        }
        catch (Exception ex) when (ex is LeaseLostException || (ex is OperationCanceledException && acting.IsCancellationRequested))
        {
            // The lease went (said once, by the fence): this daemon no longer acts on the job.
            _faults.TryRemove(root, out _);
        }
        catch (SessionKeeperException ex) when (ex.Kind is FailureKind.AuthenticationFailed or FailureKind.HostKeyRefused)
        {
            // Credentials and host keys are this daemon's own: another daemon may well get in.
            _faults.TryRemove(root, out _);
            refused = ex.Message.TrimEnd('.');
        }
        catch (SessionKeeperException ex)
        {
            // Unreachable for longer than the give-up time: the next poll tries again.
            _faults.TryRemove(root, out _);
            DaemonLog.Failed(logger, job.Id.Value, job.Endpoint.Label, ex.Message.TrimEnd('.'));
        }
        catch (Exception ex)
        {
            // Not the others' business: the next poll tries this root again, and the daemon's
            // stop throws it if it is still this root's last word.
            _faults[root] = ExceptionDispatchInfo.Capture(ex);
        }
        finally
        {
            leases.Done(root, acting);
            if (refused is not null)
            {
                GiveBack(leases, job, refused);
            }

            _supervised.TryRemove(root, out _);
        }
    }

    /// <summary>A job on a target this daemon cannot authenticate to goes back to the journal for the others, said once per target.</summary>
    private void GiveBack(LeaseKeeper leases, JournalJob job, string problem)
    {
        try
        {
            if (leases.Refuse(job, problem))
            {
                DaemonLog.Refused(logger, job.Id.Value, job.Endpoint.Label, problem);
            }
            else
            {
                DaemonLog.LeftToOthers(logger, job.Id.Value, job.Endpoint.Label);
            }
        }
        catch (SessionKeeperException ex)
        {
            // The journal is out of reach: the lease lapses and is taken over the usual way.
            DaemonLog.LeasesFailed(logger, ex.Message.TrimEnd('.'));
        }
    }
}

/// <summary>
/// Told by the broker each time a start it journaled was launched: the supervisor claims such jobs
/// between its lease rounds (<see cref="LeaseKeeper.ClaimLaunched"/>), so they are settled within
/// moments, a few at a time, instead of all at the next round.
/// </summary>
internal sealed class StartsLaunched
{
    public Wakeup Wakeup { get; } = new();

    public void Launched() => Wakeup.Set();
}

internal sealed record DaemonSettings(string StateRoot, int Parallel, TimeSpan PollInterval, AttachOptions Stream, string? Journal = null, TimeSpan? Lease = null);
