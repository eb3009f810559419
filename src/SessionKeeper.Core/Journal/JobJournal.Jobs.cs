using System.Data.Common;
using System.Text.Json;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal.Stores;

namespace SessionKeeper.Core.Journal;

internal sealed partial class JobJournal
{
    /// <summary>Records a job to launch, before any remote call: <see cref="JournalPhase.Planned"/> unless told otherwise.</summary>
    public void AddIntent(JournalJob job) => AddIntents([job]);

    /// <summary>
    /// Records many jobs in one transaction: a fleet's hosts are all known before the first launch.
    /// A cancellation rolls the whole batch back: nothing is journaled.
    /// </summary>
    public void AddIntents(IReadOnlyList<JournalJob> jobs, CancellationToken cancellationToken = default) => AddIntents(jobs, synced: true, cancellationToken);

    /// <summary>
    /// A job <see cref="JournalPhase.Planned"/> for this process to launch, committed without an
    /// fsync of its own (<see cref="JournalStore.RunUnsynced{T}"/>): nothing implicit ever acts on
    /// a planned job, and its launch request goes out only after <see cref="MarkSending"/>, whose
    /// synced commit makes this one durable with it. A power cut before that loses a job that was
    /// never sent, and that nobody was told of.
    /// </summary>
    public void AddPlanned(JournalJob job)
    {
        if (job.Phase != JournalPhase.Planned)
        {
            throw new ArgumentException($"job {job.Id} is {job.Phase}, not planned.", nameof(job));
        }

        AddIntents([job], synced: false, CancellationToken.None);
    }

    private void AddIntents(IReadOnlyList<JournalJob> jobs, bool synced, CancellationToken cancellationToken)
    {
        Func<Func<DbConnection, int>, int> run = synced ? Run : _store.RunUnsynced;
        run(connection =>
        {
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = InsertSql;
            for (var i = 0; i < jobs.Count; i++)
            {
                if (i % 256 == 0)
                {
                    if (i > 0)
                    {
                        Supervision.FaultPoints.Hold("hold-journaling", cancellationToken);
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                }

                Insert(insert, jobs[i]);
            }

            transaction.Commit();
            return 0;
        });
    }

    private string InsertSql => $"""
        INSERT INTO jobs (id, transport, target_json, name, "user", host, port, cookie, {Dialect.CommandColumns}, cwd, env, shell,
            timeout_s, grace_s, timeout_ms, grace_ms, phase, created_at, mirror_path, attempt, root_id, restart_mode, max_restarts, restart_delay_ms, batch_id)
        VALUES (@id, @transport, @target, @name, @user, @host, @port, @cookie, {Dialect.CommandValues}, @cwd, @env, @shell,
            @timeoutS, @graceS, @timeoutMs, @graceMs, @phase, @created, @mirror, @attempt, @root, @restartMode, @maxRestarts, @restartDelay, @batch)
        """;

    /// <summary>
    /// The next attempt of <paramref name="previous"/> (a restart by policy). With a fence, the
    /// restart is claimed with the previous attempt's token in the same transaction (refused, and
    /// nothing journaled, when that lease is lost), and the new row is leased to the same daemon
    /// with the same token and expiry: two daemons never journal, so never launch, the same restart.
    /// </summary>
    public void AddAttempt(JournalJob next, JobId previous)
    {
        if (Fence is not { } fence)
        {
            AddIntent(next);
            return;
        }

        Run(connection =>
        {
            using var transaction = connection.BeginTransaction();
            using (var touch = connection.CreateCommand())
            {
                touch.Transaction = transaction;
                touch.CommandText = "UPDATE jobs SET lease_token = lease_token WHERE id = @id";
                touch.Add("@id", previous.Value);
                if (Fenced(touch, previous) == 0)
                {
                    throw new LeaseLostException(previous, $"job {previous}: gone from the journal; its restart was not journaled");
                }
            }

            using (var insert = connection.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = InsertSql;
                Insert(insert, next);
            }

            fence.TryGet(previous, out var lease);
            using (var leaseNext = connection.CreateCommand())
            {
                leaseNext.Transaction = transaction;
                leaseNext.CommandText = """
                    UPDATE jobs SET lease_owner = @me, lease_token = @token, lease_expires_at = (SELECT p.lease_expires_at FROM jobs p WHERE p.id = @previous)
                    WHERE id = @id
                    """;
                leaseNext.Add("@me", fence.Owner);
                leaseNext.Add("@token", lease.Token);
                leaseNext.Add("@previous", previous.Value);
                leaseNext.Add("@id", next.Id.Value);
                leaseNext.ExecuteNonQuery();
            }

            transaction.Commit();
            fence.Hold(new JobLease(next.Id, lease.Token, lease.Root));
            return 0;
        });
    }

    private void Insert(DbCommand insert, JournalJob job)
    {
        insert.Parameters.Clear();
        var e = job.Endpoint;
        var s = job.Spec;
        insert.Add("@id", job.Id.Value);
        insert.Add("@transport", JournalSchema.SshTransport);
        insert.Add("@target", JsonSerializer.Serialize(e, EndpointJson.Default.JobEndpoint)); // the endpoint, whole
        insert.Add("@name", (object?)job.Name ?? DBNull.Value);
        insert.Add("@user", e.User); // copies for the index, listings and ad-hoc SQL
        insert.Add("@host", e.Host);
        insert.Add("@port", e.Port);
        insert.Add("@cookie", job.Cookie.Value);
        if (Dialect.SplitsCommand)
        {
            insert.Add("@command", s.RawCommand is null ? s.Command : null);
            insert.Add("@commandRaw", s.RawCommand);
        }
        else
        {
            insert.Add("@command", s.RawCommand is { } raw ? raw : s.Command); // bytes stay a BLOB
        }

        insert.Add("@cwd", (object?)s.WorkingDirectory ?? DBNull.Value);
        insert.Add("@env", JsonSerializer.Serialize(
            (s.Environment ?? []).Select(kv => new[] { kv.Key, kv.Value }).ToList(), JournalJson.Default.ListStringArray));
        insert.Add("@shell", (object?)s.Shell ?? DBNull.Value);
        var grace = s.Grace ?? JobSpec.DefaultGrace;
        insert.Add("@timeoutS", s.Timeout is { } t ? (long)Math.Ceiling(t.TotalSeconds) : DBNull.Value);
        insert.Add("@graceS", (long)Math.Ceiling(grace.TotalSeconds));
        insert.Add("@timeoutMs", s.Timeout is { } tm ? (long)Math.Ceiling(tm.TotalMilliseconds) : DBNull.Value);
        insert.Add("@graceMs", (long)Math.Ceiling(grace.TotalMilliseconds));
        insert.Add("@created", job.CreatedAt.ToUnixTimeMilliseconds());
        insert.Add("@mirror", (object?)job.MirrorPath ?? DBNull.Value);
        insert.Add("@attempt", job.Attempt);
        insert.Add("@root", (object?)job.RootId?.Value ?? DBNull.Value);
        insert.Add("@restartMode", RestartPolicy.ToWire(job.Restart.Mode));
        insert.Add("@maxRestarts", job.Restart.MaxRestarts);
        insert.Add("@restartDelay", (long)job.Restart.Delay.TotalMilliseconds);
        insert.Add("@batch", (object?)job.BatchId ?? DBNull.Value);
        insert.Add("@phase", job.Phase.ToWire());
        try
        {
            insert.ExecuteNonQuery();
        }
        catch (DbException ex) when (_store.IsDuplicateKey(ex))
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"the journal already has a job '{job.Id}'; choose another id.", ex);
        }
    }

    /// <summary>
    /// Records what the target said. A job is "finished" here only when a supervisor saw its end
    /// with the mirror complete (<paramref name="settled"/>); a status seen by `status` or `wait`
    /// updates the state but leaves the job for resume to complete. A finished job stays finished,
    /// and an end once recorded is never overwritten by a state that is not one: several processes
    /// record the same job (the CLI that launched it, the daemon that follows it, `status`), and a
    /// launch reply ("running") that arrives after the daemon saw the job end is old news.
    /// </summary>
    public void RecordStatus(JobId id, JobStatus status, DateTimeOffset seenAt, long? committedLength = null, bool settled = true) =>
        RecordStatus(id, status, seenAt, committedLength, settled, synced: true);

    /// <summary>
    /// The launch's reply, as <see cref="RecordStatus(JobId, JobStatus, DateTimeOffset, long?, bool)"/>
    /// unsettled, committed without an fsync of its own (<see cref="JournalStore.RunUnsynced{T}"/>):
    /// the intent before it was synced, so a power cut that loses this reply leaves the job an
    /// intent, which resume and the daemon complete by asking the target (the same id and cookie
    /// make that launch the one already done). The next synced commit makes it durable.
    /// </summary>
    public void RecordLaunchReply(JobId id, JobStatus status, DateTimeOffset seenAt) =>
        RecordStatus(id, status, seenAt, null, settled: false, synced: false);

    /// <summary>The journal's words for the states a job ends in (<see cref="JobStateExtensions.IsFinished"/>), as an SQL list.</summary>
    private static readonly string FinishedStates =
        string.Join(", ", Enum.GetValues<JobState>().Where(s => s.IsFinished()).Select(s => $"'{s.ToWire()}'"));

    /// <summary>
    /// A report never undoes an end: a finished row keeps its outcome, and so does a row whose
    /// state is already final when the report is not (@final = 0: a late "running" after the end).
    /// </summary>
    private static readonly string OutcomeKept = $"phase = 'finished' OR (@final = 0 AND state IN ({FinishedStates}))";

    private static readonly string RecordStatusSql = $"""
        UPDATE jobs SET
            phase = CASE WHEN phase = 'finished' THEN phase ELSE @phase END,
            state = CASE WHEN {OutcomeKept} THEN state ELSE @state END,
            exit_code = CASE WHEN {OutcomeKept} THEN exit_code ELSE @code END,
            signal = CASE WHEN {OutcomeKept} THEN signal ELSE @signal END,
            lost_reason = CASE WHEN {OutcomeKept} THEN lost_reason ELSE @reason END,
            pid = coalesce(@pid, pid), pgid = coalesce(@pgid, pgid), start_time = coalesce(@start, start_time),
            boot_id = coalesce(@boot, boot_id), launched_at = coalesce(launched_at, @seen),
            finished_at = CASE WHEN @phase = 'finished' THEN coalesce(finished_at, @seen) ELSE finished_at END,
            last_seen_at = @seen, to_be_checked = 0,
            committed_length = coalesce(@committed, committed_length),
            answer_json = CASE WHEN @report = 0 THEN answer_json
                WHEN @final = 0 AND (phase = 'finished' OR state IN ({FinishedStates})) THEN coalesce(answer_json, @answer)
                ELSE @answer END
        WHERE id = @id
        """;

    private void RecordStatus(JobId id, JobStatus status, DateTimeOffset seenAt, long? committedLength, bool settled, bool synced)
    {
        Func<Func<DbConnection, int>, int> run = synced ? Run : _store.RunUnsynced;
        run(connection =>
        {
            using var update = connection.CreateCommand();
            update.CommandText = RecordStatusSql;
            update.Add("@id", id.Value);
            update.Add("@phase", settled && status.State.IsFinished() ? "finished" : "launched");
            update.Add("@state", status.State.ToWire());
            update.Add("@final", status.State.IsFinished() ? 1 : 0);
            update.Add("@code", (object?)status.ExitCode ?? DBNull.Value);
            update.Add("@signal", (object?)status.Signal ?? DBNull.Value);
            update.Add("@reason", (object?)status.LostReason ?? status.EndedReason ?? (object)DBNull.Value);
            update.Add("@pid", (object?)status.Pid ?? DBNull.Value);
            update.Add("@pgid", (object?)status.ProcessGroup ?? DBNull.Value);
            update.Add("@start", (object?)status.StartTime ?? DBNull.Value);
            update.Add("@boot", (object?)status.BootId ?? DBNull.Value);
            update.Add("@seen", seenAt.ToUnixTimeMilliseconds());
            update.Add("@committed", (object?)committedLength ?? DBNull.Value);
            // A status derived from a stream's end is no report of the target's: the answer kept is the last real one.
            update.Add("@report", status.FromStreamEnd ? 0 : 1);
            update.Add("@answer", StatusJson.Write(status));
            return Fenced(update, id);
        });
    }

    /// <summary>
    /// The launch request is about to go out: from now on the job may have started, and resume
    /// completes it. A job that was never sent (planned, not launched, skipped) becomes Intent.
    /// </summary>
    public void MarkSending(JobId id) => SetPhase(id, "intent", null, "'planned', 'not-launched', 'skipped'");

    /// <summary>The launch failed before its request went out: nothing ran, and nothing implicit will run it.</summary>
    public void RecordNotLaunched(JobId id, string reason) => SetPhase(id, "not-launched", reason, "'planned', 'not-launched', 'skipped'");

    /// <summary>Never tried (--max-failures reached).</summary>
    public void RecordSkipped(JobId id, string reason) => SetPhase(id, "skipped", reason, "'planned', 'not-launched', 'skipped'");

    /// <summary>
    /// A batch interrupted before some of its hosts were sent anything: those are not launched.
    /// One row for the whole batch, whatever its size (an update per host took seconds on a
    /// 100,000-host batch, between SIGTERM and the exit); its hosts still planned read as not
    /// launched through it. Returns the number of rows written.
    /// </summary>
    public int RecordBatchNotLaunched(string batchId, string reason, DateTimeOffset stoppedAt) => Run(connection =>
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO batch_stops (batch, stop_reason, stopped_at) VALUES (@batch, @reason, @at)
            ON CONFLICT (batch) DO UPDATE SET stop_reason = excluded.stop_reason, stopped_at = excluded.stopped_at
            """;
        insert.Add("@batch", batchId);
        insert.Add("@reason", reason);
        insert.Add("@at", stoppedAt.ToUnixTimeMilliseconds());
        return insert.ExecuteNonQuery();
    });

    private void SetPhase(JobId id, string phase, string? reason, string fromPhases) => Run(connection =>
    {
        using var update = connection.CreateCommand();
        update.CommandText = $"UPDATE jobs SET phase = @phase, not_launched_reason = @reason WHERE id = @id AND phase IN ({fromPhases})";
        update.Add("@id", id.Value);
        update.Add("@phase", phase);
        update.Add("@reason", (object?)reason ?? DBNull.Value);
        return Fenced(update, id);
    });

    public void RecordCommitted(JobId id, long committedLength) => Run(connection =>
    {
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE jobs SET committed_length = CASE WHEN committed_length > @n THEN committed_length ELSE @n END WHERE id = @id";
        update.Add("@id", id.Value);
        update.Add("@n", committedLength);
        return Fenced(update, id);
    });

    /// <summary>A supervisor starting up cannot know what happened while it was away.</summary>
    public int MarkUnfinishedToBeChecked() => Run(connection =>
    {
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE jobs SET to_be_checked = 1 WHERE phase = 'launched'";
        return update.ExecuteNonQuery();
    });

    public void Delete(JobId id) => Run(connection =>
    {
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM jobs WHERE id = @id";
        delete.Add("@id", id.Value);
        return delete.ExecuteNonQuery();
    });

    public JournalJob? Get(JobId id) => Query("WHERE id = @p", id.Value).SingleOrDefault();

    public IReadOnlyList<JournalJob> List() => Query("ORDER BY created_at, id", null);

    /// <summary>
    /// The jobs resume and the daemon carry on: those that may have started and have not ended.
    /// A job known never to have been sent (planned, not launched, skipped) is not among them.
    /// </summary>
    public IReadOnlyList<JournalJob> Unfinished() => Query("WHERE phase IN ('intent', 'launched') ORDER BY created_at, id", null);

    /// <summary>Jobs known never to have been sent: what resume leaves to an explicit retry.</summary>
    public IReadOnlyList<JournalJob> NotStarted() => Query("WHERE phase IN ('planned', 'not-launched', 'skipped') ORDER BY created_at, id", null);

    public IReadOnlyList<JournalJob> Attempts(JobId rootId) => Query("WHERE id = @p OR root_id = @p ORDER BY attempt", rootId.Value);

    public IReadOnlyList<JournalJob> Batch(string batchId) => Query("WHERE batch_id = @p ORDER BY created_at, id", batchId);

    /// <summary>A job id or a unique prefix of one, as git accepts abbreviated hashes.</summary>
    public JournalJob Resolve(string idOrPrefix)
    {
        var id = JobId.Parse(idOrPrefix); // a prefix of an id is itself a valid id (a dash at its end aside)
        if (Get(id) is { } exact)
        {
            return exact;
        }

        var matches = Query("WHERE substr(id, 1, length(@p)) = @p ORDER BY id", idOrPrefix);
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new SessionKeeperException(FailureKind.JobNotFound, $"no job '{idOrPrefix}' in the journal {Path}.") { JobId = id },
            _ => throw new SessionKeeperException(
                FailureKind.InvalidInput,
                $"'{idOrPrefix}' is ambiguous: it starts {string.Join(", ", matches.Take(5).Select(m => m.Id))}{(matches.Count > 5 ? ", ..." : "")}; type more of the id."),
        };
    }

    private IReadOnlyList<JournalJob> Query(string where, string? parameter) => Run(connection =>
    {
        using var select = connection.CreateCommand();
        select.CommandText = $"SELECT {JournalColumns.Select(Dialect)} FROM jobs LEFT JOIN batch_stops ON batch = batch_id {where}";
        if (parameter is not null)
        {
            select.Add("@p", parameter);
        }

        using var reader = select.ExecuteReader();
        var jobs = new List<JournalJob>();
        JournalColumns? columns = null;
        while (reader.Read())
        {
            columns ??= new JournalColumns(reader); // by name, once per query
            jobs.Add(JournalRows.Read(reader, columns, Path));
        }

        return (IReadOnlyList<JournalJob>)jobs;
    });
}
