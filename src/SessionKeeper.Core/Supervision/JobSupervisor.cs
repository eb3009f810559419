using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Core.Supervision;

/// <summary>
/// Carries a journaled job to its end: finishes an interrupted launch (same id and cookie, so the
/// target never starts it twice), follows its output into the mirror, records the exit status,
/// and applies the restart policy. Used by a foreground run, by resume and by the daemon alike.
/// </summary>
internal sealed class JobSupervisor(
    JobJournal journal,
    Func<JobEndpoint, IRemoteConnector> connectors,
    string stateRoot,
    ISupervisionObserver? observer = null,
    TimeProvider? timeProvider = null,
    Func<double>? random = null)
{
    private const int LaunchAttempts = 5;
    private readonly Func<double> _random = random ?? Reconnect.SharedRandom;
    private readonly HandshakeLimiter _handshakes = new();
    private readonly ISupervisionObserver _observer = observer ?? NullSupervisionObserver.Instance;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public JobJournal Journal => journal;

    /// <summary>The connector for an endpoint: its handshakes share one adaptive limit per address with every other job of this supervisor.</summary>
    private IRemoteConnector Connector(JobEndpoint endpoint) =>
        new ThrottledConnector(connectors(endpoint), _handshakes, HandshakeLimiter.KeyOf(endpoint));

    /// <summary>Journals this supervisor's new jobs and next attempts, on its clock.</summary>
    public JobPlanner Planner { get; } = new(journal, stateRoot, timeProvider);

    /// <summary>Launches (or finishes launching) a journaled job; returns the open session for streaming.</summary>
    public Task<(IRemoteSession Session, JobStatus Status)> LaunchAsync(JournalJob job, CancellationToken cancellationToken = default) =>
        LaunchAsync(job, null, cancellationToken);

    /// <summary>
    /// Launches (or finishes launching) a journaled job; returns the open session for streaming.
    /// With <paramref name="retry"/> (its <see cref="AttachOptions.GiveUpAfter"/> the budget), a
    /// connection that fails before the launch request is sent (refused, reset or closed during
    /// the key exchange, timed out) is tried again with full-jitter backoff until the budget is
    /// spent; a host-key or authentication refusal is final at once. Without it, the first
    /// connection failure is final, as for ssh. The job becomes an intent only once connected, just
    /// before the request goes out: a failure before that (no connection, host key or
    /// authentication refused, no key, interrupted) proves nothing ran and is journaled as not launched.
    /// </summary>
    public Task<(IRemoteSession Session, JobStatus Status)> LaunchAsync(JournalJob job, AttachOptions? retry, CancellationToken cancellationToken = default) =>
        LaunchAsync(job, retry, spoolStdin: false, cancellationToken);

    /// <summary>As <see cref="LaunchAsync(JournalJob, AttachOptions?, CancellationToken)"/>; with <paramref name="spoolStdin"/> the job reads its stdin from a spool that uploads fill.</summary>
    public async Task<(IRemoteSession Session, JobStatus Status)> LaunchAsync(JournalJob job, AttachOptions? retry, bool spoolStdin, CancellationToken cancellationToken = default)
    {
        var (session, status, _) = await LaunchAsync(job, retry, spoolStdin, follow: false, cancellationToken);
        return (session, status);
    }

    /// <summary>
    /// As <see cref="LaunchAsync(JournalJob, AttachOptions?, bool, CancellationToken)"/>; with
    /// <paramref name="follow"/> the launch's channel goes on as the job's stream from its first
    /// byte (the run verb), handed back for <see cref="FollowAsync(JournalJob, IRemoteSession?, OpenedStream?, JobStreams?, AttachOptions, CancellationToken)"/>
    /// to read on: one login on the target per job instead of two.
    /// </summary>
    private async Task<(IRemoteSession Session, JobStatus Status, OpenedStream? Stream)> LaunchAsync(
        JournalJob job, AttachOptions? retry, bool spoolStdin, bool follow, CancellationToken cancellationToken)
    {
        var connector = Connector(job.Endpoint);
        var started = _time.GetTimestamp();
        var policy = retry is null ? RetryPolicy.Default : RetryPolicy.From(retry);
        var replyDeadline = retry?.HelperStartTimeout ?? new AttachOptions().HelperStartTimeout;
        var sent = job.Phase == JournalPhase.Intent;
        for (var attempt = 1; ; attempt++)
        {
            IRemoteSession session;
            try
            {
                session = await ConnectForLaunchAsync(connector, job, retry?.GiveUpAfter, started, policy, cancellationToken);
                if (!sent)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        await session.DisposeAsync();
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    journal.MarkSending(job.Id);
                    sent = true;
                    FaultPoints.Hit("after-intent");
                }
            }
            catch (Exception ex) when (!sent && ex is SessionKeeperException or OperationCanceledException)
            {
                journal.RecordNotLaunched(job.Id, ex is SessionKeeperException known ? known.Message : "interrupted before the launch request was sent");
                throw;
            }

            try
            {
                // A launch exchange that hangs (a link black-holed mid-request) is cut after the
                // time a new remote helper may take, then retried: the same id and cookie make it safe.
                using var deadline = new CancellationTokenSource(replyDeadline, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
                JobStatus status;
                OpenedStream? stream = null;

                // Under a lease, the launch is claimed in the journal with its token first: a daemon
                // that lost the job never sends it (the same id and cookie cover the rest).
                journal.ConfirmLease(job.Id);
                try
                {
                    if (follow && retry is { } options)
                    {
                        var from = Attacher.Request(job.Id, default, options, session.CanSendToStreams);
                        (status, stream) = await new JobClient(session).LaunchStreamingAsync(job.Id, job.Cookie, job.Spec, spoolStdin, from, linked.Token);
                    }
                    else
                    {
                        status = await new JobClient(session).LaunchAsync(job.Id, job.Cookie, job.Spec, spoolStdin, linked.Token);
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or SessionKeeperException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new SessionKeeperException(FailureKind.ConnectionLost, $"no reply from {connector.HostLabel} to the launch within {replyDeadline.TotalSeconds:0.#} s", ex);
                }

                try
                {
                    FaultPoints.Hit("after-launch-reply");

                    // Even a job that has already ended is settled only once its output is in the mirror.
                    journal.RecordLaunchReply(job.Id, status, _time.GetUtcNow());
                }
                catch
                {
                    stream?.Dispose();
                    throw;
                }

                foreach (var warning in status.Warnings)
                {
                    _observer.Warning(job, warning);
                }

                _observer.Launched(job, status);
                return (session, status, stream);
            }
            catch (SessionKeeperException ex) when (ex.Kind == FailureKind.ConnectionLost && !cancellationToken.IsCancellationRequested
                && (attempt < LaunchAttempts || (retry?.GiveUpAfter is { } budget && _time.GetElapsedTime(started) < budget)))
            {
                // The reply was lost, not necessarily the launch: the same id and cookie make the retry safe.
                await session.DisposeAsync();
                _observer.LaunchRetry(job, ex.Message);
                await Task.Delay(policy.Delay(attempt, _random), _time, cancellationToken);
            }
            catch
            {
                await session.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// A connection for a launch. With a <paramref name="budget"/>, a connection that fails
    /// retryably is tried again on the <see cref="Reconnect"/> pipeline until the budget (counted from
    /// <paramref name="started"/>) is spent, an attempt in progress always allowed to finish: such a
    /// connection carried nothing, so trying again cannot start the job twice. Without one, the first
    /// failure is final, as for ssh.
    /// </summary>
    private async Task<IRemoteSession> ConnectForLaunchAsync(
        IRemoteConnector connector, JournalJob job, TimeSpan? budget, long started, RetryPolicy policy, CancellationToken cancellationToken)
    {
        if (budget is not { } limit)
        {
            return await connector.ConnectAsync(cancellationToken);
        }

        var failures = 0;
        TimeSpan Left() => limit - _time.GetElapsedTime(started);
        var pipeline = Reconnect.Pipeline(
            policy,
            _time,
            _random,
            (_, _, failure) => _observer.LaunchRetry(job, failure?.Message ?? "failed"),
            keepTrying: () => Left() > TimeSpan.Zero,
            cap: Left);
        try
        {
            return await pipeline.ExecuteAsync(
                async ct =>
                {
                    try
                    {
                        return await connector.ConnectAsync(ct);
                    }
                    catch (SessionKeeperException ex) when (ex.IsRetryable)
                    {
                        failures++;
                        throw;
                    }
                },
                cancellationToken);
        }
        catch (SessionKeeperException ex) when (ex.IsRetryable && !cancellationToken.IsCancellationRequested)
        {
            throw new SessionKeeperException(ex.Kind, $"{ex.Message.TrimEnd('.')} (tried {failures} time(s) over {_time.GetElapsedTime(started).TotalSeconds:0.#} s).", ex);
        }
    }

    /// <summary>Follows one job to its end and records it; the mirror is written only by its lease holder.</summary>
    public Task<JobStatus> FollowAsync(JournalJob job, IRemoteSession? session, JobStreams? output, AttachOptions options, CancellationToken cancellationToken = default) =>
        FollowAsync(job, session, null, output, options, cancellationToken);

    /// <summary>
    /// Follows one job to its end and records it; the mirror is written only by its lease holder.
    /// <paramref name="opened"/>, the stream the launch's channel went on with, is read first when
    /// it starts where this process's mirror ends, and disposed otherwise.
    /// </summary>
    private async Task<JobStatus> FollowAsync(JournalJob job, IRemoteSession? session, OpenedStream? opened, JobStreams? output, AttachOptions options, CancellationToken cancellationToken)
    {
        var path = job.MirrorPath ?? StateLayout.Mirror(stateRoot, job.Endpoint.Label, job.Id);
        var mirror = LogMirror.Open(path);
        if (!mirror.IsWriter && output is null)
        {
            // Another process writes this mirror and records the end: wait for that, or take the
            // lease over if that process dies first, so a mirror is never left incomplete.
            mirror.Dispose();
            opened?.Dispose();
            opened = null;
            if (session is not null)
            {
                await session.DisposeAsync();
                session = null;
            }

            if (await TakeOverAsync(job, path, options, cancellationToken) is not { } taken)
            {
                return journal.Get(job.Id)!.LastStatus!;
            }

            mirror = taken;
        }

        using var lease = mirror;
        StreamOffsets start = default;
        if (mirror.IsWriter)
        {
            start = mirror.Offsets;
            if (output is not null)
            {
                // What this workstation holds already, each stream to its own output: stdout (or
                // the one log of layout 1) first, then stderr.
                foreach (var stream in new[] { OutputKind.Combined, OutputKind.Stdout, OutputKind.Stderr })
                {
                    if (output.For(stream) is { } to && start[stream] > 0)
                    {
                        await CopyPrefixAsync(LogMirror.FileOf(mirror.Path, stream), to, start[stream], cancellationToken);
                    }
                }
            }
        }

        if (mirror.IsWriter && output is null && session is null && opened is null && !job.ToBeChecked && start.Combined == 0
            && connectors(job.Endpoint) is IJobWatch watch and IRemoteConnector host
            && await watch.WatchAsync(job.Id, start, cancellationToken) is { } done)
        {
            // Settled from the watch: it ended with every byte of its output in the mirror already.
            var ended = Attacher.Finished(done, start, job.Id, host.HostLabel);
            journal.RecordStatus(job.Id, ended, _time.GetUtcNow(), Committed(mirror), settled: true);
            journal.RecordCommitted(job.Id, Committed(mirror));
            return ended;
        }

        var connector = job.ToBeChecked ? new CheckingConnector(Connector(job.Endpoint), journal, job.Id, _time) : Connector(job.Endpoint);
        Task? closing = null;
        var attacher = new Attacher(
            connector, job.Id, mirror.IsWriter ? mirror : null, output, start, options, _observer.ForStream(job), _time,
            stdinOpen: () => closing = CloseOrphanedStdinAsync(job, path, cancellationToken));
        try
        {
            var status = await attacher.RunAsync(session, opened, cancellationToken);
            if (closing is not null)
            {
                await closing;
            }

            // Only the lease holder's mirror is complete: anyone else leaves the job for it to settle.
            journal.RecordStatus(job.Id, status, _time.GetUtcNow(), mirror.IsWriter ? Committed(mirror) : null, settled: mirror.IsWriter);
            return status;
        }
        finally
        {
            if (mirror.IsWriter)
            {
                journal.RecordCommitted(job.Id, Committed(mirror));
            }
        }
    }

    /// <summary>The journal's committed length: of stdout, or of the one log of a layout-1 job (the other is empty).</summary>
    private static long Committed(LogMirror mirror) => mirror.Offsets is var at ? at.Stdout + at.Combined : 0;

    /// <summary>Launch if needed, follow, restart per policy; returns the last attempt's status.</summary>
    public Task<(JournalJob Job, JobStatus Status)> SuperviseAsync(JournalJob job, IRemoteSession? session, JobStreams? output, AttachOptions options, CancellationToken cancellationToken = default) =>
        SuperviseAsync(job, session, output, options, null, cancellationToken);

    /// <summary>
    /// Launch if needed, follow, restart per policy; returns the last attempt's status. With
    /// <paramref name="input"/>, the first attempt (when this call launches it) reads it as its stdin,
    /// uploaded while the job is followed; later attempts read /dev/null (the input is spent).
    /// </summary>
    public async Task<(JournalJob Job, JobStatus Status)> SuperviseAsync(JournalJob job, IRemoteSession? session, JobStreams? output, AttachOptions options, Stream? input, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            JobStatus status;
            if (job.Phase == JournalPhase.Finished && job.LastStatus is { } recorded)
            {
                status = output is null ? recorded : await ReplayAsync(job, recorded, output, options, cancellationToken);
            }
            else
            {
                Task? upload = null;
                OpenedStream? opened = null;
                using var uploading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

                // Held from before the launch: a stream that starts first must not take the job's
                // open stdin for an orphan and close it.
                using var held = input is null || job.Phase == JournalPhase.Launched ? null : StdinLock.Take(StdinLock.PathOf(MirrorPathOf(job)));
                if (job.Phase != JournalPhase.Launched)
                {
                    (session, _, opened) = await LaunchAsync(job, options, input is not null, follow: true, cancellationToken);
                    if (input is not null)
                    {
                        upload = UploadStdinAsync(job, input, options, null, uploading.Token);
                    }
                }

                input = null;
                try
                {
                    status = await FollowAsync(job, session, opened, output, options, cancellationToken);
                }
                finally
                {
                    // The job has ended (or we stop following it): what it did not read is not sent, as under ssh.
                    await uploading.CancelAsync();
                    if (upload is not null)
                    {
                        await upload;
                    }
                }

                session = null;
            }

            var next = NextAttempt(job, status);
            if (next is null)
            {
                return (job, status);
            }

            _observer.Restarting(job, status, next.Attempt, job.Restart.Delay);
            await Task.Delay(job.Restart.Delay, _time, cancellationToken);
            job = next;
        }
    }

    private string MirrorPathOf(JournalJob job) => job.MirrorPath ?? StateLayout.Mirror(stateRoot, job.Endpoint.Label, job.Id);

    /// <summary>
    /// Uploads <paramref name="input"/> into a launched job's stdin spool to its end, through drops
    /// (the caller holds the job's <see cref="StdinLock"/>).
    /// A failure is told to the observer as a warning (the job keeps running with what it has; its
    /// stdin is left open, to be closed by <c>attach</c> or <c>resume</c>), never thrown.
    /// </summary>
    public async Task UploadStdinAsync(JournalJob job, Stream input, AttachOptions options, Action<long>? acknowledged, CancellationToken cancellationToken)
    {
        var uploader = new StdinUploader(Connector(job.Endpoint), job.Id, input, options, acknowledged, _time);
        try
        {
            await uploader.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (SessionKeeperException ex)
        {
            _observer.Warning(job, $"stdin of job {job.Id}: {ex.Message.TrimEnd('.')} (after {uploader.Acknowledged} byte(s) arrived).");
        }
    }

    /// <summary>
    /// A job whose stdin spool is still open while nobody on this workstation uploads to it (its
    /// uploader died, or the workstation rebooted): the spool is closed at what it holds, so the job
    /// reads end-of-file instead of waiting forever, and the user is told where it was cut.
    /// </summary>
    private async Task CloseOrphanedStdinAsync(JournalJob job, string mirrorPath, CancellationToken cancellationToken)
    {
        using var held = StdinLock.TryTake(StdinLock.PathOf(mirrorPath));
        if (held is null)
        {
            return; // an uploader of this workstation holds it: the input is still coming
        }

        try
        {
            await using var session = await Connector(job.Endpoint).ConnectAsync(cancellationToken);
            var cutAt = await new JobClient(session).CloseStdinAsync(job.Id, cancellationToken);
            _observer.Warning(job, $"the stdin of job {job.Id} was still open with nobody sending it (its uploader is gone): closed at {cutAt} byte(s); the job reads end-of-file there.");
        }
        catch (SessionKeeperException ex) when (!cancellationToken.IsCancellationRequested)
        {
            _observer.Warning(job, $"the stdin of job {job.Id} is still open with nobody sending it, and could not be closed: {ex.Message}");
        }
    }

    /// <summary>A finished job's output: the mirror, completed from the target while its directory is there.</summary>
    private async Task<JobStatus> ReplayAsync(JournalJob job, JobStatus recorded, JobStreams output, AttachOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await FollowAsync(job, null, output, options with { GiveUpAfter = options.GiveUpAfter ?? TimeSpan.FromSeconds(30) }, cancellationToken);
        }
        catch (SessionKeeperException ex) when (ex.Kind is FailureKind.JobNotFound or FailureKind.ConnectionLost)
        {
            // Removed from the target, or the target is gone: the mirror and the journal are the record.
            return recorded;
        }
    }

    /// <summary>The journaled next attempt (planning it if a crash came before that).</summary>
    private JournalJob? NextAttempt(JournalJob job, JobStatus status)
    {
        var rootId = job.RootId ?? job.Id;
        var attempts = journal.Attempts(rootId);
        if (attempts.FirstOrDefault(a => a.Attempt == job.Attempt + 1) is { } existing)
        {
            return existing;
        }

        if (!job.Restart.ShouldRestart(status, job.Attempt))
        {
            return null;
        }

        return Planner.PlanRetry(job, job.Attempt + 1);
    }

    /// <summary>The lease, once its holder is gone; null when the holder settled the job first.</summary>
    private async Task<LogMirror?> TakeOverAsync(JournalJob job, string path, AttachOptions options, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (journal.Get(job.Id) is { Phase: JournalPhase.Finished, LastStatus: not null })
            {
                return null;
            }

            var mirror = LogMirror.Open(path);
            if (mirror.IsWriter)
            {
                return mirror;
            }

            mirror.Dispose();
            await Task.Delay(options.Heartbeat, _time, cancellationToken);
        }
    }

    private static async Task CopyPrefixAsync(string path, Stream output, long length, CancellationToken cancellationToken)
    {
        await using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new byte[81920];
        var remaining = length;
        while (remaining > 0)
        {
            var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken);
            if (read == 0)
            {
                break;
            }

            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            remaining -= read;
        }

        await output.FlushAsync(cancellationToken);
    }
}
