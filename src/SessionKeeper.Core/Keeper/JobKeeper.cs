using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Fleet.Runs;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper;

/// <summary>
/// The application layer: starts jobs on hosts so that they survive the connection, follows their
/// output across drops (exactly once, resumed at the byte where it stopped), and brings their exit
/// code back, through a local journal that a brand-new process can pick up. The CLI's verbs and C#
/// programs call the same methods.
/// </summary>
/// <remarks>
/// Long calls take a pair of tokens, as CliWrap's graceful and forceful cancellation: cancelling
/// <c>detach</c> stops following (the job runs on; the call throws <see cref="JobDetachedException"/>),
/// cancelling <c>kill</c> stops the job (TERM, then KILL after its grace) and the call returns its
/// final status. A job is named by its id (a unique prefix is enough once it is in the journal), and
/// optionally by the host to reach it on, which wins over the journal's record.
/// </remarks>
public sealed class JobKeeper
{
    /// <summary>The default of <see cref="JobKeeperOptions.ControlTimeout"/>.</summary>
    public static readonly TimeSpan DefaultControlTimeout = TimeSpan.FromSeconds(30);

    private readonly JobKeeperOptions _options;
    private readonly TimeProvider _time;
    private JobJournal? _journal;

    private JobKeeper(JobKeeperOptions options, string stateDirectory)
    {
        _options = options;
        _time = options.TimeProvider ?? TimeProvider.System;
        StateDirectory = stateDirectory;
    }

    /// <summary>Where the journal and the output mirrors are kept.</summary>
    public string StateDirectory { get; }

    /// <summary>The local journal (opened, created or upgraded on first use).</summary>
    /// <exception cref="SessionKeeperException">With <see cref="FailureKind.StateCorrupt"/> when the journal cannot be read.</exception>
    internal JobJournal Journal => _journal ??= JobJournal.Open(StateDirectory, _options.Journal);

    /// <summary>A keeper over the journal in <see cref="JobKeeperOptions.StateDirectory"/>; nothing is opened until it is needed.</summary>
    public static JobKeeper Open(JobKeeperOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new JobKeeper(options, options.StateDirectory ?? DefaultStateDirectory());
    }

    /// <summary>$SESSIONKEEPER_STATE_DIR, else ${XDG_STATE_HOME:-~/.local/state}/sessionkeeper.</summary>
    public static string DefaultStateDirectory()
    {
        if (Environment.GetEnvironmentVariable("SESSIONKEEPER_STATE_DIR") is { Length: > 0 } configured)
        {
            return configured;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".local", "state") : xdg, "sessionkeeper");
    }

    /// <summary>A supervisor over this keeper's journal, transport and clock, reporting to <paramref name="observer"/>.</summary>
    internal JobSupervisor Supervisor(ISupervisionObserver? observer = null) =>
        new(Journal, endpoint => _options.Transport.Connector(_options.Transport.Restore(endpoint)), StateDirectory, observer ?? _options.Observer, _time);

    /// <summary>Journals a new job for <paramref name="host"/> (validated first; nothing is sent).</summary>
    public JournalJob Plan(IJobHost host, JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        return Supervisor().Planner.Plan(request.Id ?? JobId.New(), _options.Transport.Describe(host), request.Spec, request.Restart);
    }

    /// <summary>
    /// Journals a batch: one job per host, ids <c>BATCH-N</c> numbered from 1 in the hosts' order,
    /// in one transaction and before anything is sent. Cancelling journals none of them.
    /// </summary>
    public IReadOnlyList<JournalJob> PlanBatch(string batchId, IReadOnlyList<IJobHost> hosts, JobRequest request, CancellationToken cancellationToken = default) =>
        PlanNamedBatch(batchId, hosts, null, request, cancellationToken);

    /// <summary>
    /// Journals a batch as <see cref="PlanBatch(string, IReadOnlyList{IJobHost}, JobRequest, CancellationToken)"/>
    /// does, each host under the name the user gave it (<paramref name="names"/>, index for index
    /// with <paramref name="hosts"/>: an alias, an inventory name, a member of a range), which
    /// listings, tags and summaries show (<see cref="JournalJob.DisplayName"/>); null for none.
    /// </summary>
    public IReadOnlyList<JournalJob> PlanNamedBatch(string batchId, IReadOnlyList<IJobHost> hosts, IReadOnlyList<string?>? names, JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(request);
        if (names is not null && names.Count != hosts.Count)
        {
            throw new ArgumentException($"{names.Count} names for {hosts.Count} hosts.", nameof(names));
        }

        request.Validate();
        JobId.Parse(batchId); // a batch id starts each of its jobs' ids
        var endpoints = new JobEndpoint[hosts.Count];
        for (var i = 0; i < hosts.Count; i++)
        {
            endpoints[i] = _options.Transport.Describe(hosts[i]);
        }

        return Supervisor().Planner.PlanBatch(batchId, endpoints, names, request.Spec, request.Restart, cancellationToken);
    }

    /// <summary>
    /// A batch's hosts again, as new attempts (<c>ROOT-rN</c>) with the same host, command, policy
    /// and batch, journaled in one transaction and launched only by the run that asked for them.
    /// </summary>
    public IReadOnlyList<JournalJob> PlanBatchRetry(IReadOnlyList<JournalJob> failed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(failed);
        return Supervisor().Planner.PlanBatchRetry(failed, cancellationToken);
    }

    /// <summary>
    /// Runs a batch's journaled jobs, at most <paramref name="parallel"/> hosts at once, each
    /// through the same launch, stream, reconnect and exit path as one job; once
    /// <paramref name="maxFailures"/> hosts have failed, the hosts not started yet are journaled
    /// skipped (jobs already running are followed to their end). Cancelling stops following (the
    /// jobs run on) and journals the hosts that were sent nothing as not launched, so no implicit
    /// path starts them later; then the cancellation is thrown. With <paramref name="input"/>, every
    /// job this call launches reads a stream of its own from it as its stdin (the same bytes for every
    /// host: a file, opened once per host).
    /// </summary>
    public async Task<IReadOnlyList<FleetHostResult>> RunBatchAsync(
        string batchId,
        IReadOnlyList<JournalJob> jobs,
        IFleetObserver observer,
        int parallel = 32,
        int? maxFailures = null,
        AttachOptions? options = null,
        Func<Stream>? input = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        var runner = new FleetRunner(Journal, endpoint => _options.Transport.Connector(_options.Transport.Restore(endpoint)), StateDirectory, observer);
        try
        {
            return await runner.RunAsync(jobs, parallel, maxFailures, options ?? new AttachOptions(), input, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SessionKeeperException && cancellationToken.IsCancellationRequested)
        {
            // A host in flight may end in a SessionKeeperException (its remote call interrupted,
            // its connection attempt cut), the others in a cancellation: either way it is this.
            Journal.RecordBatchNotLaunched(batchId, "interrupted before the launch request was sent", _time.GetUtcNow());
            throw new OperationCanceledException($"batch {batchId} interrupted", ex, cancellationToken);
        }
    }

    /// <summary>
    /// Starts a batch's journaled jobs without following them (as <c>run -d -H ...</c>), at most
    /// <paramref name="parallel"/> hosts at once; every host is tried, whatever the others do.
    /// <paramref name="started"/> hears of each host as it is done with. Cancelling journals the
    /// hosts that were sent nothing as not launched, then throws. With <paramref name="input"/>, every
    /// job reads a stream of its own from it as its stdin, uploaded whole before its host counts as started.
    /// </summary>
    public async Task<IReadOnlyList<BatchStart>> StartBatchAsync(
        string batchId,
        IReadOnlyList<JournalJob> jobs,
        int parallel = 32,
        AttachOptions? options = null,
        Action<BatchStart>? started = null,
        Func<Stream>? input = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        var supervisor = Supervisor();
        var results = new BatchStart[jobs.Count];
        try
        {
            await BoundedParallel.RunAsync(jobs, parallel, null, async (job, i, ct) =>
            {
                BatchStart result;
                try
                {
                    if (input is null)
                    {
                        result = new BatchStart(job, await LaunchOnlyAsync(supervisor, job, options ?? new AttachOptions(), ct).ConfigureAwait(false), null);
                    }
                    else
                    {
                        await using var stdin = input();
                        result = new BatchStart(job, await LaunchAndUploadAsync(supervisor, job, stdin, options ?? new AttachOptions(), null, ct).ConfigureAwait(false), null);
                    }
                }
                catch (SessionKeeperException ex) when (!ct.IsCancellationRequested)
                {
                    result = new BatchStart(job, null, ex);
                }

                results[i] = result;
                started?.Invoke(result);
                return result.Failure is not null;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SessionKeeperException && cancellationToken.IsCancellationRequested)
        {
            Journal.RecordBatchNotLaunched(batchId, "interrupted before the launch request was sent", _time.GetUtcNow());
            throw new OperationCanceledException($"batch {batchId} interrupted", ex, cancellationToken);
        }

        return results;
    }

    /// <summary>
    /// A job to launch again, by name: a job that was never launched (planned, not launched,
    /// skipped) as it is; a finished one as its next attempt (<c>ROOT-rN</c>), same host, command
    /// and policy. A job that was launched and has not ended is refused: follow it instead.
    /// Nothing is sent: <see cref="RetryAsync"/> or <see cref="StartRetryAsync"/> launches it.
    /// </summary>
    /// <remarks><paramref name="idOrPrefix"/> is text as a user types it (a full id or a unique prefix, as git accepts abbreviated hashes); hence a string, not a <see cref="JobId"/>.</remarks>
    public JournalJob PlanRetry(string idOrPrefix)
    {
        var job = Resolve(idOrPrefix);
        if (job.Phase is JournalPhase.Intent or JournalPhase.Launched)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"job {job.Id} was launched (it is {job.StateText}): follow it instead of retrying it.") { JobId = job.Id };
        }

        if (job.Phase != JournalPhase.Finished)
        {
            return job;
        }

        var next = Journal.Attempts(job.RootId ?? job.Id).Max(a => a.Attempt) + 1;
        return Supervisor().Planner.PlanRetry(job, next);
    }

    /// <summary>Launches a job from <see cref="PlanRetry"/> (exactly once) and follows it to its end, writing its stdout and stderr to <paramref name="output"/>'s.</summary>
    public Task<JobResult> RetryAsync(JournalJob planned, JobStreams? output, AttachOptions? options = null, CancellationToken detach = default, CancellationToken kill = default) =>
        SuperviseAsync(Unsent(planned), output, options, _options.Observer, detach, kill);

    /// <summary>Launches a job from <see cref="PlanRetry"/> (exactly once) and returns once the target has it.</summary>
    public async Task<JobHandle> StartRetryAsync(JournalJob planned, CancellationToken cancellationToken = default)
    {
        var job = Unsent(planned);
        return new JobHandle(job, await LaunchOnlyAsync(Supervisor(), job, null, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Starts a job and returns once the target has it (as <c>run --detach</c>); it is launched exactly once even if the link drops meanwhile.</summary>
    public async Task<JobHandle> StartAsync(IJobHost host, JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Input is null && _options.Transport is IJournalingTransport daemon && !FaultPoints.Armed)
        {
            request.Validate();
            var draft = JobPlanner.Draft(request.Id ?? JobId.New(), _options.Transport.Describe(host), request.Spec, request.Restart, StateDirectory, _time.GetUtcNow());
            if (await StartThroughDaemonAsync(daemon, draft, cancellationToken).ConfigureAwait(false) is { } handle)
            {
                return handle;
            }

            JournalJob planned;
            try
            {
                // The draft as it is, its cookie kept: a daemon still at work may journal it too.
                planned = Supervisor().Planner.Plan(draft);
            }
            catch (SessionKeeperException) when (Journal.Get(draft.Id) is { } journaled && journaled.Cookie == draft.Cookie)
            {
                // The daemon journaled it between our look and our plan: its launch and ours are one.
                return await FinishJournaledAsync(journaled, cancellationToken).ConfigureAwait(false);
            }

            return new JobHandle(planned, await LaunchOnlyAsync(Supervisor(), planned, null, cancellationToken).ConfigureAwait(false));
        }

        var job = Plan(host, request);
        var supervisor = Supervisor();
        return request.Input is not { } input
            ? new JobHandle(job, await LaunchOnlyAsync(supervisor, job, null, cancellationToken).ConfigureAwait(false))
            : new JobHandle(job, await LaunchAndUploadAsync(supervisor, job, input, null, request.InputProgress, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Starts a job and follows it to its end, writing its stdout and stderr to <paramref name="output"/>'s (as <c>run</c>).</summary>
    public Task<JobResult> RunAsync(IJobHost host, JobRequest request, JobStreams? output, AttachOptions? options = null, CancellationToken detach = default, CancellationToken kill = default) =>
        SuperviseAsync(Plan(host, request), output, options, _options.Observer, detach, kill, request.Input);

    /// <summary>
    /// Follows a journaled job (or, with <paramref name="host"/>, any job on that host) to its end,
    /// writing its whole stdout and stderr to <paramref name="output"/>'s (as <c>attach</c>).
    /// </summary>
    /// <remarks><paramref name="id"/> is text as a user types it: a full id, or, without a host, a unique prefix of one that <see cref="Resolve"/> completes from the journal; hence a string, not a <see cref="JobId"/>. Pass <see cref="JobId.Value"/> to name a job held as a <see cref="JobId"/>.</remarks>
    public Task<JobResult> AttachAsync(string id, IJobHost? host, JobStreams? output, AttachOptions? options = null, CancellationToken detach = default, CancellationToken kill = default) =>
        SuperviseAsync(Follow(id, host), output, options, _options.Observer, detach, kill);

    /// <summary>
    /// Starts a job and yields what happens to it, its output included, until <see cref="JobEvent.Finished"/>.
    /// The request is validated and the job journaled by this call; it is launched when the
    /// enumeration starts. Leaving the loop early detaches (the job runs on).
    /// </summary>
    public IAsyncEnumerable<JobEvent> StartAndFollowAsync(IJobHost host, JobRequest request, AttachOptions? options = null, CancellationToken detach = default, CancellationToken kill = default)
    {
        var job = Plan(host, request);
        return JobEventPump.RunAsync((pump, following) => SuperviseAsync(job, pump.Output, options, pump, following, kill, request.Input), detach);
    }

    /// <summary>Yields what happens to a job that was started before, its whole output included, until <see cref="JobEvent.Finished"/>.</summary>
    /// <remarks><paramref name="id"/> is text as a user types it: a full id, or, without a host, a unique prefix of one that <see cref="Resolve"/> completes from the journal; hence a string, not a <see cref="JobId"/>. Pass <see cref="JobId.Value"/> to name a job held as a <see cref="JobId"/>.</remarks>
    public IAsyncEnumerable<JobEvent> FollowAsync(string id, IJobHost? host = null, AttachOptions? options = null, CancellationToken detach = default, CancellationToken kill = default)
    {
        var job = Follow(id, host);
        return JobEventPump.RunAsync((pump, following) => SuperviseAsync(job, pump.Output, options, pump, following, kill), detach);
    }

    /// <summary>
    /// The job's state. Without <paramref name="refresh"/>, a job the journal knows as finished (a
    /// supervisor saw its end with its output complete) is answered with the target's last answer,
    /// as the journal keeps it whole, and no connection is made. A job unknown to the journal, not
    /// finished there, or whose last answer was recorded before the journal kept answers, and every
    /// job with <paramref name="refresh"/>, is asked of its host right now; the answer is recorded
    /// in the journal when it knows the job.
    /// </summary>
    /// <remarks><paramref name="id"/> is text as a user types it: a full id, or, without a host, a unique prefix of one that <see cref="Resolve"/> completes from the journal; hence a string, not a <see cref="JobId"/>. Pass <see cref="JobId.Value"/> to name a job held as a <see cref="JobId"/>.</remarks>
    public Task<JobStatus> StatusAsync(string id, IJobHost? host = null, bool refresh = false, CancellationToken cancellationToken = default)
    {
        if (!refresh && Locate(id, host).Known?.FinalAnswer is { } answer)
        {
            return Task.FromResult(answer);
        }

        return ControlAsync(id, host, _options.ControlTimeout, (client, jobId, ct) => client.StatusAsync(jobId, ct), s => s, cancellationToken);
    }

    /// <summary>TERM to the job's process group, KILL after <paramref name="grace"/>; the group is checked against the live job first.</summary>
    /// <remarks><paramref name="id"/> is text as a user types it: a full id, or, without a host, a unique prefix of one that <see cref="Resolve"/> completes from the journal; hence a string, not a <see cref="JobId"/>. Pass <see cref="JobId.Value"/> to name a job held as a <see cref="JobId"/>.</remarks>
    public Task<SignalResult> KillAsync(string id, TimeSpan grace, IJobHost? host = null, CancellationToken cancellationToken = default) =>
        ControlAsync(id, host, _options.ControlTimeout + grace, (client, jobId, ct) => Signalled(client.KillAsync(jobId, grace, ct)), r => r.Status, cancellationToken);

    /// <summary>One signal (a name such as INT or a number) to the job's process group, without escalation; identity checked first.</summary>
    /// <remarks><paramref name="id"/> is text as a user types it: a full id, or, without a host, a unique prefix of one that <see cref="Resolve"/> completes from the journal; hence a string, not a <see cref="JobId"/>. Pass <see cref="JobId.Value"/> to name a job held as a <see cref="JobId"/>.</remarks>
    public Task<SignalResult> SignalAsync(string id, string signal, IJobHost? host = null, CancellationToken cancellationToken = default)
    {
        var name = SignalNames.Parse(signal, "signal");
        return ControlAsync(id, host, _options.ControlTimeout, (client, jobId, ct) => Signalled(client.SignalAsync(jobId, name, ct)), r => r.Status, cancellationToken);
    }

    /// <summary>
    /// Waits for the job to end, reconnecting with backoff for as long as the caller waits (each
    /// status that comes back starts the backoff again); cancelling stops waiting, not the job.
    /// </summary>
    /// <remarks><paramref name="id"/> is text as a user types it: a full id, or, without a host, a unique prefix of one that <see cref="Resolve"/> completes from the journal; hence a string, not a <see cref="JobId"/>. Pass <see cref="JobId.Value"/> to name a job held as a <see cref="JobId"/>.</remarks>
    public async Task<JobStatus> WaitAsync(string id, IJobHost? host = null, IAttachObserver? observer = null, CancellationToken cancellationToken = default)
    {
        var (target, jobId, known) = Locate(id, host);
        var reconnect = Reconnect.Pipeline(
            RetryPolicy.Default,
            _time,
            Reconnect.SharedRandom,
            (attempt, delay, failure) => observer?.Retrying(attempt, delay, failure?.Message ?? "no answer"));
        IRemoteSession? session = null;
        try
        {
            while (true)
            {
                var status = await reconnect.ExecuteAsync(
                    async ct =>
                    {
                        try
                        {
                            var open = session ??= await _options.Transport.Connector(target).ConnectAsync(ct).ConfigureAwait(false);
                            return await WithTimeoutAsync(target.Label, _options.ControlTimeout, c => new JobClient(open).StatusAsync(jobId, c), ct).ConfigureAwait(false);
                        }
                        catch (SessionKeeperException ex) when (ex.IsRetryable && session is not null)
                        {
                            await session.DisposeAsync().ConfigureAwait(false);
                            session = null;
                            throw;
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
                if (status.State.IsFinished())
                {
                    Record(known, status);
                    return status;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (session is not null)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Writes the job's output so far to <paramref name="output"/>, each stream to its own (from
    /// the last <paramref name="tailLines"/> lines of each when given); with <paramref name="follow"/>, then its new
    /// output until it ends, reconnecting after drops, and returns its final status (null without
    /// <paramref name="follow"/>). The local mirror is neither read nor written.
    /// </summary>
    /// <remarks><paramref name="id"/> is text as a user types it: a full id, or, without a host, a unique prefix of one that <see cref="Resolve"/> completes from the journal; hence a string, not a <see cref="JobId"/>. Pass <see cref="JobId.Value"/> to name a job held as a <see cref="JobId"/>.</remarks>
    public async Task<JobStatus?> ReadLogAsync(string id, IJobHost? host, JobStreams output, int? tailLines = null, AttachOptions? follow = null, IAttachObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (tailLines is < 0)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"the number of lines to start from must be 0 or more, not {tailLines}.");
        }

        var (target, jobId, known) = Locate(id, host);
        var connector = _options.Transport.Connector(target);
        var session = await connector.ConnectAsync(cancellationToken).ConfigureAwait(false);
        StreamOffsets offset;
        try
        {
            offset = await WithTimeoutAsync(target.Label, _options.ControlTimeout, ct => LogReader.ReadSoFarAsync(session, jobId, tailLines, LogReader.KnownLength(known), output, ct), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (follow is null)
        {
            await session.DisposeAsync().ConfigureAwait(false);
            return null;
        }

        return await new Attacher(connector, jobId, null, output, offset, follow, observer, _time).RunAsync(session, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a finished job's directory from its host, then its journal record and local mirror.</summary>
    /// <remarks><paramref name="id"/> is text as a user types it: a full id, or, without a host, a unique prefix of one that <see cref="Resolve"/> completes from the journal; hence a string, not a <see cref="JobId"/>. Pass <see cref="JobId.Value"/> to name a job held as a <see cref="JobId"/>.</remarks>
    public async Task RemoveAsync(string id, IJobHost? host = null, CancellationToken cancellationToken = default)
    {
        var (target, jobId, known) = Locate(id, host);
        await RoundTripAsync(
            target,
            _options.ControlTimeout,
            async (client, ct) =>
            {
                await client.RemoveAsync(jobId, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);

        if (known is not null)
        {
            ForgetLocally(known);
        }
    }

    /// <summary>
    /// Drops a job from the journal and its local mirror, without a connection; the job itself, if
    /// it still runs, runs on and is no longer followed from here.
    /// </summary>
    /// <remarks><paramref name="idOrPrefix"/> is text as a user types it (a full id or a unique prefix, as git accepts abbreviated hashes); hence a string, not a <see cref="JobId"/>.</remarks>
    public JournalJob Forget(string idOrPrefix)
    {
        var job = Resolve(idOrPrefix);
        ForgetLocally(job);
        return job;
    }

    /// <summary>Removes the host's finished jobs (ended at least <paramref name="olderThan"/> ago) there and here; running jobs are never touched.</summary>
    public async Task<IReadOnlyList<JobId>> CollectGarbageAsync(IJobHost host, TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var removed = await RoundTripAsync(host, TimeSpan.FromMinutes(2), (client, ct) => client.CollectGarbageAsync(olderThan, ct), cancellationToken).ConfigureAwait(false);

        var endpoint = _options.Transport.Describe(host);
        foreach (var id in removed)
        {
            if (Journal.Get(id) is { } known && known.Endpoint.Host == endpoint.Host && known.Endpoint.Port == endpoint.Port && known.Endpoint.User == endpoint.User)
            {
                ForgetLocally(known);
            }
        }

        return removed;
    }

    /// <summary>
    /// Takes over process <paramref name="pid"/> on <paramref name="host"/>, started by hand in a
    /// terminal (as <c>adopt</c>): the target checks it is the user's own, records it as a job
    /// (its identity, its process group) and, through ptrace, makes every process of its group
    /// ignore SIGHUP and write what went to the terminal to the job's stdout and stderr files.
    /// The job joins the journal; its exit status will be unknown (it is not our child).
    /// </summary>
    /// <exception cref="SessionKeeperException">Refused (another user's process, process 1, none such, SessionKeeper's own, ended meanwhile): <see cref="SessionKeeperException.RemoteCode"/> says which, and nothing is tracked.</exception>
    public async Task<Adoption> AdoptAsync(IJobHost host, int pid, JobId? id = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (pid < 0)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"a process id is 0 or more, not {pid}.");
        }

        var jobId = id ?? JobId.New();
        var cookie = JobCookie.New();
        var (reply, status) = await RoundTripAsync(host, _options.ControlTimeout + TimeSpan.FromMinutes(1), (client, ct) => client.AdoptAsync(jobId, cookie, pid, ct), cancellationToken).ConfigureAwait(false);
        var job = Supervisor().Planner.Adopted(jobId, _options.Transport.Describe(host), cookie, status);
        return new Adoption(job, status, reply.Protection, reply.Reason, reply.Members, reply.Protected, reply.Foreground, reply.Leader);
    }

    /// <summary>The processes <see cref="AdoptAsync"/> could take on <paramref name="host"/>: the user's own that have a terminal (as <c>adopt HOST</c>).</summary>
    public async Task<IReadOnlyList<AdoptCandidate>> AdoptCandidatesAsync(IJobHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        return await RoundTripAsync(host, _options.ControlTimeout, (client, ct) => client.AdoptableAsync(ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every job on <paramref name="host"/> (this user's), with its state derived there now, oldest first.</summary>
    public async Task<IReadOnlyList<JobStatus>> ListAsync(IJobHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var jobs = await RoundTripAsync(host, _options.ControlTimeout, (client, ct) => client.ListAsync(ct), cancellationToken).ConfigureAwait(false);
        return [.. jobs.OrderBy(j => j.Created ?? DateTimeOffset.MinValue)];
    }

    /// <summary>
    /// The journaled jobs that may have started and have not ended, oldest first: what `resume`
    /// and the daemon carry on with <see cref="AttachAsync"/>. A job known never to have been sent
    /// is not among them (<see cref="NotStarted"/>).
    /// </summary>
    public IReadOnlyList<JournalJob> Unfinished() => Journal.Unfinished();

    /// <summary>The journaled jobs known never to have been sent (planned, not launched, skipped): only an explicit retry starts them.</summary>
    public IReadOnlyList<JournalJob> NotStarted() => Journal.NotStarted();

    /// <summary>Every job in the journal, oldest first.</summary>
    public IReadOnlyList<JournalJob> Jobs() => Journal.List();

    /// <summary>The journal's job for an id or a unique prefix of one.</summary>
    /// <remarks><paramref name="idOrPrefix"/> is text as a user types it (a full id or a unique prefix, as git accepts abbreviated hashes); hence a string, not a <see cref="JobId"/>.</remarks>
    public JournalJob Resolve(string idOrPrefix) => Journal.Resolve(idOrPrefix);

    /// <summary>The host a job is reached on, its full id, and the journal's record when it has one.</summary>
    /// <remarks><paramref name="id"/> is text as a user types it: a full id, or, without a host, a unique prefix of one that <see cref="Resolve"/> completes from the journal; hence a string, not a <see cref="JobId"/>. Pass <see cref="JobId.Value"/> to name a job held as a <see cref="JobId"/>.</remarks>
    public (IJobHost Host, JobId Id, JournalJob? Known) Locate(string id, IJobHost? host)
    {
        if (host is null)
        {
            var job = Resolve(id);
            return (_options.Transport.Restore(job.Endpoint), job.Id, job);
        }

        var jobId = JobId.Parse(id);

        // Ids are random and never reused: the same id reached another way (an alias, a proxy
        // port) is the same job, and this time it is reached the way the caller says.
        var known = TryJournal()?.Get(jobId) is { } j ? j with { Endpoint = _options.Transport.Describe(host) } : null;
        return (host, jobId, known);
    }

    /// <summary>Opens a connection to <paramref name="host"/>, as the keeper's transport does.</summary>
    public Task<IRemoteSession> ConnectAsync(IJobHost host, CancellationToken cancellationToken = default) =>
        _options.Transport.Connector(host).ConnectAsync(cancellationToken);

    /// <summary>Runs one control round trip; a host that does not answer within <paramref name="timeout"/> is a lost connection.</summary>
    public static async Task<T> WithTimeoutAsync<T>(string host, TimeSpan timeout, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await call(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested
            && ex is OperationCanceledException or SessionKeeperException)
        {
            throw new SessionKeeperException(FailureKind.ConnectionLost, $"{host} did not answer within {timeout.TotalSeconds:0} s; the connection looks dead.", ex) { Host = host };
        }
    }

    private JournalJob Follow(string id, IJobHost? host)
    {
        var (target, jobId, known) = Locate(id, host);

        // Following never launches: a job that was never sent (the user was told it failed or
        // was skipped) starts only when asked for by name (PlanRetry, then RetryAsync).
        if (known is { IsNotStarted: true })
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"job {known.Id} was never launched ({known.NotLaunchedReason ?? known.StateText}): there is nothing to follow; only a retry launches it.") { JobId = known.Id };
        }

        // A job this journal never launched (another workstation's, a lost journal) joins it, so its output is mirrored and its end recorded.
        return known ?? Supervisor().Planner.JoinJournal(jobId, _options.Transport.Describe(target));
    }

    /// <summary>The journal's current record of a job given to a retry, which must not have been sent yet.</summary>
    private JournalJob Unsent(JournalJob planned)
    {
        ArgumentNullException.ThrowIfNull(planned);
        var job = Journal.Get(planned.Id) ?? throw new SessionKeeperException(FailureKind.JobNotFound, $"no job {planned.Id} in the journal.") { JobId = planned.Id };
        return job.IsNotStarted
            ? job
            : throw new SessionKeeperException(FailureKind.InvalidInput, $"job {job.Id} was launched already (it is {job.StateText}): follow it instead.") { JobId = job.Id };
    }

    private async Task<JobResult> SuperviseAsync(JournalJob job, JobStreams? output, AttachOptions? options, ISupervisionObserver? observer, CancellationToken detach, CancellationToken kill, Stream? input = null)
    {
        using var following = CancellationTokenSource.CreateLinkedTokenSource(detach, kill);
        try
        {
            var (last, status) = await Supervisor(observer).SuperviseAsync(job, null, output, options ?? new AttachOptions(), input, following.Token).ConfigureAwait(false);
            return new JobResult(last, status);
        }
        catch (OperationCanceledException) when (kill.IsCancellationRequested)
        {
            var attempts = Journal.Attempts(job.RootId ?? job.Id);
            var current = attempts.Count > 0 ? attempts[^1] : job;
            var host = _options.Transport.Restore(current.Endpoint);
            var grace = current.Spec.Grace ?? JobSpec.DefaultGrace;
            using var deadline = new CancellationTokenSource(_options.ControlTimeout + grace, _time); // the connection too, not only the round trip
            var killed = await KillAsync(current.Id.Value, grace, host, deadline.Token).ConfigureAwait(false);
            return new JobResult(current, killed.Status, KilledOnRequest: true);
        }
        catch (OperationCanceledException) when (detach.IsCancellationRequested)
        {
            throw new JobDetachedException(job.Id, job.Endpoint.Label, detach);
        }
    }

    private async Task<T> ControlAsync<T>(string id, IJobHost? host, TimeSpan timeout, Func<JobClient, JobId, CancellationToken, Task<T>> call, Func<T, JobStatus> status, CancellationToken cancellationToken)
    {
        var (target, jobId, known) = Locate(id, host);
        var result = await RoundTripAsync(target, timeout, (client, ct) => call(client, jobId, ct), cancellationToken).ConfigureAwait(false);
        Record(known, status(result));
        return result;
    }

    /// <summary>
    /// A start the daemon journals and launches (<see cref="IJournalingTransport"/>); null when
    /// nothing of <paramref name="draft"/> is journaled, so this process starts it as without a daemon.
    /// A daemon that stopped short of answering may have journaled it, even sent it: the record of
    /// its id with its cookie says so, and this process finishes that launch (the same id and
    /// cookie: the target starts it at most once), or reads its reply when the daemon had it.
    /// </summary>
    private async Task<JobHandle?> StartThroughDaemonAsync(IJournalingTransport daemon, JournalJob draft, CancellationToken cancellationToken)
    {
        var started = await daemon.StartAsync(StateDirectory, _options.Journal, draft, cancellationToken).ConfigureAwait(false);
        switch (started.Outcome)
        {
            case DelegatedOutcome.Launched:
                var status = JobClient.LaunchReply(started.Reply ?? [], draft.Id, draft.Endpoint.Label);
                var observer = _options.Observer ?? NullSupervisionObserver.Instance;
                foreach (var warning in status.Warnings)
                {
                    observer.Warning(draft, warning);
                }

                observer.Launched(draft, status);
                return new JobHandle(draft, status);
            case DelegatedOutcome.Unsettled when Journal.Get(draft.Id) is { } journaled && journaled.Cookie == draft.Cookie:
                return await FinishJournaledAsync(journaled, cancellationToken).ConfigureAwait(false);
            default:
                return null;
        }
    }

    /// <summary>A start the daemon journaled (the record has this process's cookie): its reply when it had one, else the launch finished here with the same id and cookie, which the target starts at most once.</summary>
    private async Task<JobHandle> FinishJournaledAsync(JournalJob journaled, CancellationToken cancellationToken) =>
        journaled is { Phase: JournalPhase.Launched or JournalPhase.Finished, LastStatus: { } last }
            ? new JobHandle(journaled, last)
            : new JobHandle(journaled, await LaunchOnlyAsync(Supervisor(), journaled, null, cancellationToken).ConfigureAwait(false));

    /// <summary>Launches a journaled job exactly once and closes the connection: nothing follows it.</summary>
    private static async Task<JobStatus> LaunchOnlyAsync(JobSupervisor supervisor, JournalJob job, AttachOptions? retry, CancellationToken cancellationToken)
    {
        var (session, status) = await supervisor.LaunchAsync(job, retry, cancellationToken).ConfigureAwait(false);
        await session.DisposeAsync().ConfigureAwait(false);
        return status;
    }

    /// <summary>
    /// Launches a journaled job with a stdin spool and uploads <paramref name="input"/> into it to its
    /// end: "started" means the job holds all of its stdin (or has ended before reading it all).
    /// </summary>
    private async Task<JobStatus> LaunchAndUploadAsync(JobSupervisor supervisor, JournalJob job, Stream input, AttachOptions? retry, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var held = StdinLock.Take(StdinLock.PathOf(job.MirrorPath ?? StateLayout.Mirror(StateDirectory, job.Endpoint.Label, job.Id)));
        var (session, status) = await supervisor.LaunchAsync(job, retry, spoolStdin: true, cancellationToken).ConfigureAwait(false);
        await session.DisposeAsync().ConfigureAwait(false);
        var host = _options.Transport.Restore(job.Endpoint);
        var uploader = new StdinUploader(_options.Transport.Connector(host), job.Id, input, retry ?? new AttachOptions(), n => progress?.Report(n), _time);
        await uploader.RunAsync(cancellationToken).ConfigureAwait(false);
        return status;
    }

    /// <summary>One call over a connection of its own, bounded by <paramref name="timeout"/>.</summary>
    private async Task<T> RoundTripAsync<T>(IJobHost host, TimeSpan timeout, Func<JobClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        await using var session = await ConnectAsync(host, cancellationToken).ConfigureAwait(false);
        return await WithTimeoutAsync(host.Label, timeout, ct => call(new JobClient(session), ct), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<SignalResult> Signalled(Task<(JobStatus Status, string Signalled)> call)
    {
        var (status, signalled) = await call.ConfigureAwait(false);
        return new SignalResult(status, signalled);
    }

    private void ForgetLocally(JournalJob job)
    {
        Journal.Delete(job.Id);
        LogMirror.Delete(job.MirrorPath);
    }

    /// <summary>Records a status seen on the target, when the journal knows the job.</summary>
    private void Record(JournalJob? known, JobStatus status)
    {
        if (known is not null)
        {
            _journal?.RecordStatus(known.Id, status, _time.GetUtcNow(), settled: false);
        }
    }

    /// <summary>A broken journal must not stop a call that names its host: it is simply not used.</summary>
    private JobJournal? TryJournal()
    {
        if (_journal is null && !JobJournal.Exists(StateDirectory, _options.Journal))
        {
            return null;
        }

        try
        {
            return Journal;
        }
        catch (SessionKeeperException ex) when (ex.Kind == FailureKind.StateCorrupt)
        {
            JobJournal.Warn(ex.Message);
            return null;
        }
    }
}
