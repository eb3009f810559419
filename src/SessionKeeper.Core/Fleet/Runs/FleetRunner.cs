using System.Diagnostics;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper.Core.Fleet.Runs;

/// <summary>
/// Runs journaled jobs on many hosts with at most <c>parallel</c> connections open at once; every
/// host goes through the same launch, stream, reconnect and exit path as a single-host run. Once
/// <c>maxFailures</c> hosts have failed, hosts not yet launched are journaled as skipped (only
/// `batch resume` launches them);
/// jobs already running are followed to their end.
/// </summary>
public sealed class FleetRunner(JobJournal journal, Func<JobEndpoint, IRemoteConnector> connectors, string stateRoot, IFleetObserver observer)
{
    private int _failures;

    public async Task<IReadOnlyList<FleetHostResult>> RunAsync(
        IReadOnlyList<JournalJob> jobs,
        int parallel,
        int? maxFailures,
        AttachOptions options,
        CancellationToken cancellationToken = default)
    {
        var supervisor = new JobSupervisor(journal, connectors, stateRoot, new Adapter(observer));
        var results = new FleetHostResult[jobs.Count];
        var next = -1;

        // `parallel` workers take the hosts in order: a cancellation ends a handful of them, not a
        // task (and an exception) per host of a 100,000-host batch.
        async Task WorkAsync()
        {
            await Task.Yield();
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var i = Interlocked.Increment(ref next);
                if (i >= jobs.Count)
                {
                    return;
                }

                results[i] = await RunOneAsync(supervisor, jobs[i], maxFailures, options, cancellationToken);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(parallel, Math.Max(jobs.Count, 1))).Select(_ => WorkAsync()));
        return results;
    }

    private async Task<FleetHostResult> RunOneAsync(JobSupervisor supervisor, JournalJob job, int? maxFailures, AttachOptions options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        FleetHostResult result;
        if (job.IsNotStarted && maxFailures is { } limit && Volatile.Read(ref _failures) >= limit)
        {
            journal.RecordSkipped(job.Id, "--max-failures reached");
            result = new FleetHostResult(job, FleetOutcome.NotLaunched, null, "--max-failures reached", TimeSpan.Zero, 0);
        }
        else
        {
            try
            {
                var (last, status) = await supervisor.SuperviseAsync(job, null, observer.OutputFor(job), options, cancellationToken);
                result = new FleetHostResult(last, FleetOutcomes.From(status), status, null, clock.Elapsed, MirrorLength(last));
            }
            catch (SessionKeeperException ex) when (!cancellationToken.IsCancellationRequested)
            {
                result = new FleetHostResult(job, FleetOutcomes.From(ex), null, ex.Message, clock.Elapsed, MirrorLength(job));
            }
        }

        if (result.Outcome.IsFailure())
        {
            // Counted before this worker takes its next host: that host must see this failure.
            Interlocked.Increment(ref _failures);
        }

        observer.Finished(result);
        return result;
    }

    private static long MirrorLength(JournalJob job) =>
        job.MirrorPath is { } path && File.Exists(path) ? new FileInfo(path).Length : 0;

    private sealed class Adapter(IFleetObserver observer) : ISupervisionObserver
    {
        public IAttachObserver ForStream(JournalJob job) => observer.StreamObserverFor(job);

        public void Launched(JournalJob job, JobStatus status) => observer.Launched(job, status);

        public void Restarting(JournalJob finished, JobStatus status, int nextAttempt, TimeSpan delay)
        {
        }

        public void LaunchRetry(JournalJob job, string reason)
        {
        }

        public void Warning(JournalJob job, string warning) => observer.Warning(job, warning);
    }
}
