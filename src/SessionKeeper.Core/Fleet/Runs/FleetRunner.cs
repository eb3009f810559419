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
internal sealed class FleetRunner(JobJournal journal, Func<JobEndpoint, IRemoteConnector> connectors, string stateRoot, IFleetObserver observer)
{
    public async Task<IReadOnlyList<FleetHostResult>> RunAsync(
        IReadOnlyList<JournalJob> jobs,
        int parallel,
        int? maxFailures,
        AttachOptions options,
        CancellationToken cancellationToken = default) =>
        await RunAsync(jobs, parallel, maxFailures, options, null, cancellationToken);

    /// <summary>As the other overload; each job this run launches reads a stream of its own from <paramref name="input"/> as its stdin.</summary>
    public async Task<IReadOnlyList<FleetHostResult>> RunAsync(
        IReadOnlyList<JournalJob> jobs,
        int parallel,
        int? maxFailures,
        AttachOptions options,
        Func<Stream>? input,
        CancellationToken cancellationToken = default)
    {
        var supervisor = new JobSupervisor(journal, connectors, stateRoot, new Adapter(observer));
        var results = new FleetHostResult[jobs.Count];

        // A host in flight is followed with the caller's token: another host's exception stops
        // the taking of hosts, and leaves the running ones to end as they would have.
        await BoundedParallel.RunAsync(
            jobs,
            parallel,
            maxFailures,
            async (job, i, _) => (results[i] = await RunOneAsync(supervisor, job, skipped: null, options, input, cancellationToken)).Outcome.IsFailure(),
            cancellationToken,
            overLimit: async (job, i, _) => (results[i] = await RunOneAsync(supervisor, job, skipped: job.IsNotStarted ? $"the failure limit ({maxFailures}) was reached" : null, options, input, cancellationToken)).Outcome.IsFailure());
        return results;
    }

    private async Task<FleetHostResult> RunOneAsync(JobSupervisor supervisor, JournalJob job, string? skipped, AttachOptions options, Func<Stream>? input, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        FleetHostResult result;
        if (skipped is { } reason)
        {
            journal.RecordSkipped(job.Id, reason);
            result = new FleetHostResult(job, FleetOutcome.NotLaunched, null, reason, TimeSpan.Zero, 0);
        }
        else
        {
            try
            {
                await using var stdin = job.Phase == JournalPhase.Launched ? null : input?.Invoke();
                var (last, status) = await supervisor.SuperviseAsync(job, null, observer.OutputFor(job), options, stdin, cancellationToken);
                result = new FleetHostResult(last, FleetOutcomes.From(status), status, null, clock.Elapsed, MirrorLength(last));
            }
            catch (SessionKeeperException ex) when (!cancellationToken.IsCancellationRequested)
            {
                result = new FleetHostResult(job, FleetOutcomes.From(ex), null, ex.Message, clock.Elapsed, MirrorLength(job));
            }
        }

        observer.Finished(result);
        return result;
    }

    private static long MirrorLength(JournalJob job) => LogMirror.OffsetsOf(job.MirrorPath).Sum;

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
