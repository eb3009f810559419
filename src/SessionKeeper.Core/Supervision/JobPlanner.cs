using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Core.Supervision;

/// <summary>
/// Journals jobs before anything reaches their targets, and is the only code that builds a
/// <see cref="JournalJob"/> (the journal's reader aside): a run, a batch, the next attempt of a
/// job, a batch's failed hosts again, and a job launched elsewhere that joins this journal on
/// attach. Each gets a fresh cookie (a joined job aside) and its mirror under the state root.
/// </summary>
internal sealed class JobPlanner(JobJournal journal, string stateRoot, TimeProvider? timeProvider = null)
{
    /// <summary>The cookie of a job that joined this journal on attach: its real one is unknown here.</summary>
    private static readonly JobCookie AdoptedCookie = JobCookie.Parse("adopted");

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>
    /// A new job, journaled as <see cref="JournalPhase.Planned"/>, which nothing implicit ever
    /// launches: until its launch request goes out, resume and the daemon leave it alone.
    /// </summary>
    public JournalJob Plan(JobId id, JobEndpoint endpoint, JobSpec spec, RestartPolicy restart) =>
        Record(Draft(id, endpoint, spec, restart, stateRoot, _time.GetUtcNow()));

    /// <summary>
    /// A new job as <see cref="Plan(JobId, JobEndpoint, JobSpec, RestartPolicy)"/> journals it, made
    /// by another process than the one that journals it (<see cref="Plan(JournalJob, bool)"/>): a CLI makes
    /// it, cookie included, and the daemon journals and launches it. Nothing is written.
    /// </summary>
    public static JournalJob Draft(JobId id, JobEndpoint endpoint, JobSpec spec, RestartPolicy restart, string stateRoot, DateTimeOffset created) =>
        New(id, endpoint, spec, restart, null, 1, null, JournalPhase.Planned, created, stateRoot);

    /// <summary>
    /// Journals a <see cref="Draft"/> (its cookie kept), created now, with its mirror under this
    /// planner's state root: <see cref="JournalPhase.Planned"/>, or with <paramref name="sending"/>
    /// an <see cref="JournalPhase.Intent"/> at once (synced), for a caller that holds the connection
    /// already and sends the launch next: one commit where a plan and its intent take two.
    /// </summary>
    public JournalJob Plan(JournalJob draft, bool sending = false) =>
        Record(New(draft.Id, draft.Endpoint, draft.Spec, draft.Restart, null, 1, null, sending ? JournalPhase.Intent : JournalPhase.Planned, _time.GetUtcNow(), stateRoot) with { Cookie = draft.Cookie });

    /// <summary>
    /// Attempt <paramref name="attempt"/> of <paramref name="previous"/>'s job (a restart by policy,
    /// or `retry` of a finished job): a new job <c>ROOT-rN</c> with the same host, command, policy and
    /// batch, journaled as an <see cref="JournalPhase.Intent"/>, which resume and the daemon
    /// complete, because it was asked for. A daemon journals it only while it holds the previous
    /// attempt's lease (<see cref="JobJournal.AddAttempt"/>).
    /// </summary>
    public JournalJob PlanRetry(JournalJob previous, int attempt)
    {
        var rootId = previous.RootId ?? previous.Id;
        var next = New(
            JobId.Parse($"{rootId}-r{attempt}"), previous.Endpoint, previous.Spec, previous.Restart, previous.BatchId, attempt, rootId, JournalPhase.Intent, _time.GetUtcNow()) with
        { Name = previous.Name };
        journal.AddAttempt(next, previous.Id); // under a lease, fenced by the previous attempt's token
        FaultPoints.Hit("after-intent");
        return next;
    }

    /// <summary>
    /// A batch: one job per host, ids <c>BATCH-N</c> numbered from 1 in the hosts' order and padded
    /// to one width, all <see cref="JournalPhase.Planned"/> with one creation time, journaled in one
    /// transaction before the first launch. A cancellation journals none of them. Each job keeps
    /// the name its host was given (<see cref="JournalJob.Name"/>), from names, index for index with
    /// the endpoints, when there are names.
    /// </summary>
    public IReadOnlyList<JournalJob> PlanBatch(
        string batchId, IReadOnlyList<JobEndpoint> endpoints, IReadOnlyList<string?>? names, JobSpec spec, RestartPolicy restart, CancellationToken cancellationToken)
    {
        var width = endpoints.Count.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        var created = _time.GetUtcNow();
        var jobs = new List<JournalJob>(endpoints.Count);
        for (var i = 0; i < endpoints.Count; i++)
        {
            if (i % 256 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var id = JobId.Parse($"{batchId}-{(i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width, '0')}");
            jobs.Add(New(id, endpoints[i], spec, restart, batchId, 1, null, JournalPhase.Planned, created) with { Name = names?[i] });
        }

        journal.AddIntents(jobs, cancellationToken);
        return jobs;
    }

    /// <summary>
    /// A batch's failed hosts again (`batch retry --failed`): for each job, its next attempt
    /// <c>ROOT-rN</c> with the same host, command, policy and batch, <see cref="JournalPhase.Planned"/>
    /// (launched by the batch run that asked for them, never implicitly), journaled in one transaction.
    /// </summary>
    public IReadOnlyList<JournalJob> PlanBatchRetry(IReadOnlyList<JournalJob> failed, CancellationToken cancellationToken)
    {
        var jobs = new List<JournalJob>(failed.Count);
        foreach (var previous in failed)
        {
            var rootId = previous.RootId ?? previous.Id;
            var attempt = previous.Attempt + 1;
            jobs.Add(New(
                JobId.Parse($"{rootId}-r{attempt}"), previous.Endpoint, previous.Spec, previous.Restart, previous.BatchId, attempt, rootId, JournalPhase.Planned, _time.GetUtcNow()) with
            { Name = previous.Name });
        }

        journal.AddIntents(jobs, cancellationToken);
        return jobs;
    }

    /// <summary>
    /// A job launched elsewhere (another workstation, a lost journal) joins this journal on attach:
    /// launched and running as far as this journal knows, its cookie and command unknown.
    /// </summary>
    public JournalJob JoinJournal(JobId id, JobEndpoint endpoint)
    {
        var joined = New(id, endpoint, new JobSpec("(adopted)"), RestartPolicy.None, null, 1, null, JournalPhase.Launched, _time.GetUtcNow()) with { Cookie = AdoptedCookie };
        journal.AddIntent(joined);
        journal.RecordStatus(joined.Id, new JobStatus { Id = joined.Id, State = JobState.Running }, _time.GetUtcNow());
        return joined;
    }

    /// <summary>
    /// A process started by hand and adopted on its host: launched and as <paramref name="status"/>
    /// says, with the adoption's cookie (which names the job directory's request, not the process's environment).
    /// </summary>
    public JournalJob Adopted(JobId id, JobEndpoint endpoint, JobCookie cookie, JobStatus status)
    {
        var command = status.CommandPreview.Length > 0 ? status.CommandPreview : "(adopted)";
        var adopted = New(id, endpoint, new JobSpec(command), RestartPolicy.None, null, 1, null, JournalPhase.Launched, _time.GetUtcNow()) with { Cookie = cookie };
        journal.AddIntent(adopted);
        journal.RecordStatus(adopted.Id, status, _time.GetUtcNow(), settled: false);
        return journal.Get(adopted.Id) ?? adopted;
    }

    private JournalJob Record(JournalJob job)
    {
        if (job.Phase == JournalPhase.Planned)
        {
            journal.AddPlanned(job);
        }
        else
        {
            journal.AddIntent(job);
        }

        FaultPoints.Hit(job.Phase == JournalPhase.Planned ? "after-plan" : "after-intent");
        return job;
    }

    private JournalJob New(
        JobId id, JobEndpoint endpoint, JobSpec spec, RestartPolicy restart, string? batchId, int attempt, JobId? rootId, JournalPhase phase, DateTimeOffset created) =>
        New(id, endpoint, spec, restart, batchId, attempt, rootId, phase, created, stateRoot);

    private static JournalJob New(
        JobId id, JobEndpoint endpoint, JobSpec spec, RestartPolicy restart, string? batchId, int attempt, JobId? rootId, JournalPhase phase, DateTimeOffset created, string stateRoot) => new()
        {
            Id = id,
            Endpoint = endpoint,
            Cookie = JobCookie.New(),
            Spec = spec,
            Restart = restart,
            Attempt = attempt,
            RootId = rootId,
            BatchId = batchId,
            Phase = phase,
            CreatedAt = created,
            MirrorPath = StateLayout.Mirror(stateRoot, endpoint.Label, id),
        };
}
