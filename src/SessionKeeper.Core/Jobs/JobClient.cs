using System.Globalization;
using System.Text;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Core.Jobs;

/// <summary>The job verbs, each one round trip of the runner over an open session.</summary>
internal sealed class JobClient(IRemoteSession session)
{
    /// <summary>The runner's refusal when the login user may signal no process of the job's group.</summary>
    private const string NotPermitted = "not-permitted";

    private string Host => session.HostLabel;

    /// <summary>Launches (or confirms) a job that reads /dev/null.</summary>
    public Task<JobStatus> LaunchAsync(JobId id, JobCookie cookie, JobSpec spec, CancellationToken cancellationToken = default) =>
        LaunchAsync(id, cookie, spec, spoolStdin: false, cancellationToken);

    /// <summary>Launches (or confirms) a job; with <paramref name="spoolStdin"/> it reads its stdin from a spool that uploads fill.</summary>
    public async Task<JobStatus> LaunchAsync(JobId id, JobCookie cookie, JobSpec spec, bool spoolStdin, CancellationToken cancellationToken = default)
    {
        var lines = await RunAsync(new LaunchRequest(id, cookie, spec, Supervision.FaultPoints.Remote) { SpoolStdin = spoolStdin }, id, cancellationToken);
        return Launched(lines, id);
    }

    /// <summary>
    /// Launches (or confirms) a job and goes on streaming it on the same channel from
    /// <paramref name="stream"/>'s offsets: the status of the launch, and the stream for an
    /// <see cref="Attacher"/> to read on (the caller disposes it).
    /// </summary>
    public async Task<(JobStatus Status, OpenedStream Stream)> LaunchStreamingAsync(
        JobId id, JobCookie cookie, JobSpec spec, bool spoolStdin, StreamRequest stream, CancellationToken cancellationToken = default)
    {
        var launch = new LaunchRequest(id, cookie, spec, Supervision.FaultPoints.Remote) { SpoolStdin = spoolStdin };
        var remote = await session.OpenStreamAsync(new RunRequest(launch, stream).ToRunnerRequest().ToPayload(), cancellationToken);
        try
        {
            var reader = new StreamFrameReader(remote.Output, Host);
            using var cancel = cancellationToken.Register(remote.Dispose);

            // Reads block (SSH.NET streams are not truly asynchronous): a dedicated thread, not the pool.
            List<ReplyLine> lines;
            try
            {
                lines = await Task.Factory.StartNew(() => LaunchReplies(reader, id), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            catch (SessionKeeperException) when (cancellationToken.IsCancellationRequested)
            {
                // The channel was closed because we were cancelled: say so, as an exec call would.
                throw new OperationCanceledException(cancellationToken);
            }

            cancellationToken.ThrowIfCancellationRequested();
            return (Launched(lines, id), new OpenedStream(remote, reader, stream.Offsets));
        }
        catch
        {
            remote.Dispose();
            throw;
        }
    }

    /// <summary>The replies of the run verb up to the launch's status line (an error, too, ends them).</summary>
    private List<ReplyLine> LaunchReplies(StreamFrameReader reader, JobId id)
    {
        var lines = new List<ReplyLine>();
        while (true)
        {
            StreamEvent? next;
            try
            {
                next = reader.Next();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                next = null;
            }

            switch (next)
            {
                case null:
                    ReplyParser.ThrowIfError(lines, Host, id);
                    throw new SessionKeeperException(FailureKind.ConnectionLost, $"the launch of '{id}' on {Host} ended before its reply");
                case StreamEvent.Reply { Line: var line }:
                    lines.Add(line);
                    if (line.Tag == ReplyTags.Error)
                    {
                        ReplyParser.ThrowIfError(lines, Host, id);
                    }

                    if (line.Tag == ReplyTags.Status && lines.Any(l => l.Tag == ReplyTags.Launched))
                    {
                        return lines;
                    }

                    break;
                default:
                    throw new SessionKeeperException(FailureKind.RemoteError, $"{Host} sent output before confirming the launch of '{id}'.");
            }
        }
    }

    /// <summary>
    /// The status of a launch from what the runner printed for it (<paramref name="output"/>, as
    /// <see cref="LaunchAsync(JobId, JobCookie, JobSpec, bool, CancellationToken)"/> reads it): the
    /// reply a daemon that launched the job for this process hands back (<see cref="IJournalingTransport"/>)
    /// is read by the same code as a reply read here.
    /// </summary>
    public static JobStatus LaunchReply(byte[] output, JobId id, string host)
    {
        var lines = ReplyParser.Parse(output, host);
        ReplyParser.ThrowIfError(lines, host, id);
        return Launched(lines, id, host);
    }

    private JobStatus Launched(IReadOnlyList<ReplyLine> lines, JobId id) => Launched(lines, id, Host);

    /// <summary>The launch's status, with the warnings its launched reply carries.</summary>
    private static JobStatus Launched(IReadOnlyList<ReplyLine> lines, JobId id, string host)
    {
        var launched = LaunchedReply.Find(lines)
            ?? throw new SessionKeeperException(FailureKind.RemoteError, $"{host} did not confirm the launch of '{id}'.");
        var status = SingleStatus(lines, host);
        return launched.Warning == LaunchedReply.LogindKillsUserProcesses
            ? status with
            {
                Warnings =
                [
                    $"systemd-logind on {host} kills a user's processes when their last session ends (KillUserProcesses=yes) and lingering is off: " +
                    "this job may die at logout. Turn lingering on there: loginctl enable-linger",
                ],
            }
            : status;
    }

    /// <summary>Closes a job's stdin spool at what it holds (its source is gone); returns where it was closed.</summary>
    public async Task<long?> CloseStdinAsync(JobId id, CancellationToken cancellationToken = default)
    {
        var lines = await RunAsync(new UploadRequest(id, Close: true), id, cancellationToken);
        return lines.FirstOrDefault(l => l.Tag == ReplyTags.Upload)?.Number("eof");
    }

    /// <summary>Adopts process <paramref name="pid"/> as job <paramref name="id"/>: the target checks, records and protects it.</summary>
    public async Task<(AdoptedReply Reply, JobStatus Status)> AdoptAsync(JobId id, JobCookie cookie, int pid, CancellationToken cancellationToken = default)
    {
        var output = await session.ExecAsync(new AdoptRequest(id, cookie, pid, Supervision.FaultPoints.Remote).ToRunnerRequest().ToPayload(), cancellationToken);
        var lines = ReplyParser.Parse(output, Host);
        if (lines.FirstOrDefault(l => l.Tag == ReplyTags.Error && l["code"] is { } c && c.StartsWith("adopt-", StringComparison.Ordinal)) is { } refused)
        {
            throw RemoteErrors.AdoptRefused(refused, pid, Host, id);
        }

        ReplyParser.ThrowIfError(lines, Host, id);
        var adopted = AdoptedReply.Find(lines)
            ?? throw new SessionKeeperException(FailureKind.RemoteError, $"{Host} did not confirm the adoption of process {pid}.");
        return (adopted, SingleStatus(lines));
    }

    /// <summary>This user's processes with a terminal on the target, but this call's own.</summary>
    public async Task<IReadOnlyList<SessionKeeper.AdoptCandidate>> AdoptableAsync(CancellationToken cancellationToken = default)
    {
        var lines = await RunAsync(new AdoptableRequest(), null, cancellationToken);
        var clock = lines.FirstOrDefault(l => l.Tag == ReplyTags.Clock);
        var (uptime, hz) = (clock?.Number("uptime"), clock?.Number("hz") is > 0 and var h ? h : 100);
        var candidates = new List<SessionKeeper.AdoptCandidate>();
        foreach (var line in lines.Where(l => l.Tag == ReplyTags.Candidate))
        {
            if (line.SmallNumber("pid") is not { } pid || line.SmallNumber("pgid") is not { } pgid || line.SmallNumber("sid") is not { } sid)
            {
                continue;
            }

            TimeSpan? age = uptime is { } up && line.Number("start") is { } start && up * hz >= start ? TimeSpan.FromSeconds((up * hz - start) / (double)hz) : null;
            var command = StatusParserText.CommandLine(line["cmd"]);
            candidates.Add(new SessionKeeper.AdoptCandidate(pid, pgid, sid, line["tty"] ?? "?", line["fg"] == "1", line["state"] ?? "?", age, command));
        }

        return candidates;
    }

    public async Task<JobStatus> StatusAsync(JobId id, CancellationToken cancellationToken = default)
    {
        var lines = await RunAsync(new StatusRequest(id), id, cancellationToken);
        return SingleStatus(lines);
    }

    public async Task<IReadOnlyList<JobStatus>> ListAsync(CancellationToken cancellationToken = default)
    {
        var lines = await RunAsync(new ListRequest(), null, cancellationToken);
        return [.. lines.Where(l => l.Tag == ReplyTags.Status).Select(l => StatusParser.Parse(l, Host))];
    }

    /// <summary>TERM to the job's process group, KILL after the grace period; identity checked first.</summary>
    public async Task<(JobStatus Status, string Signalled)> KillAsync(JobId id, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        return await SignalOrKillAsync(new KillRequest(id, grace), id, cancellationToken);
    }

    /// <summary>
    /// The runner refused to signal: the pid or process group recorded in the job directory does not
    /// name the live job, as proven from /proc (lineage from the wrapper, or the cookie once it is gone);
    /// or the job is its own but the login user may signal none of its processes.
    /// </summary>
    private void ThrowIfRefused(KillReply reply, JobStatus status, JobId id)
    {
        if (reply.Refused is not { } reason)
        {
            return;
        }

        if (reason == NotPermitted)
        {
            throw new SessionKeeperException(
                FailureKind.SignalRefused,
                $"may not signal job '{id}' on {Host}: its processes run under other user or group ids than the login's " +
                $"(a setuid program that kept them, such as sudo), so nothing was sent. The job is {status.Describe()}; " +
                "stop it as a user allowed to signal it.");
        }

        var signalled = reply.Signalled;
        var sent = signalled == "none" ? "nothing was sent" : $"only SIG{signalled} was sent before the identity changed";
        throw new SessionKeeperException(
            FailureKind.SignalRefused,
            $"refused to signal job '{id}' on {Host} ({reason}): the pid or process group recorded in its job directory does not name the live job " +
            $"(a child of the keeper its wrapper started, or once the wrapper is gone a process carrying the job's cookie), so {sent}. " +
            $"The job is {status.Describe()}. Its state files may have been tampered with; inspect the job directory by hand.");
    }

    /// <summary>One signal (a name without SIG, or a number) to the job's process group; identity checked, no escalation.</summary>
    public async Task<(JobStatus Status, string Signalled)> SignalAsync(JobId id, string signal, CancellationToken cancellationToken = default)
    {
        return await SignalOrKillAsync(new SignalRequest(id, signal), id, cancellationToken);
    }

    private async Task<(JobStatus Status, string Signalled)> SignalOrKillAsync(IRunnerRequest request, JobId id, CancellationToken cancellationToken)
    {
        var lines = await RunAsync(request, id, cancellationToken);
        var reply = KillReply.Find(lines);
        var status = SingleStatus(lines);
        ThrowIfRefused(reply, status, id);
        return (status, reply.Signalled);
    }

    public async Task RemoveAsync(JobId id, CancellationToken cancellationToken = default)
    {
        var lines = await RunAsync(new RemoveRequest(id), id, cancellationToken);
        if (!lines.Any(l => l.Tag == ReplyTags.Removed))
        {
            throw new SessionKeeperException(FailureKind.RemoteError, $"{Host} did not confirm the removal of '{id}'.");
        }
    }

    /// <summary>Removes finished job directories older than <paramref name="olderThan"/>; returns their ids.</summary>
    public async Task<IReadOnlyList<JobId>> CollectGarbageAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        var lines = await RunAsync(new CollectGarbageRequest(olderThan), null, cancellationToken);
        return [.. lines.Where(l => l.Tag == ReplyTags.Removed).Select(l => l["id"]).Where(JobId.IsValid).Select(JobId.Parse)];
    }

    /// <summary>export lines sourced by the job's POSIX prelude; names are checked, values quoted.</summary>
    public static string EnvironmentText(IReadOnlyList<KeyValuePair<string, string>>? environment)
    {
        var sb = new StringBuilder();
        foreach (var (name, value) in environment ?? [])
        {
            if (!IsEnvironmentName(name))
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, $"invalid environment variable name '{name}'.");
            }

            sb.Append(CultureInfo.InvariantCulture, $"export {name}={ShellQuote.Quote(value)}\n");
        }

        return sb.ToString();
    }

    public static bool IsEnvironmentName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private async Task<IReadOnlyList<ReplyLine>> RunAsync(IRunnerRequest request, JobId? id, CancellationToken cancellationToken)
    {
        var output = request is LaunchRequest launch && session is ILaunchSession launcher && ResidentLaunch.Of(launch) is { } line
            ? await launcher.LaunchAsync(line, cancellationToken)
            : await session.ExecAsync(request.ToRunnerRequest().ToPayload(), cancellationToken);
        var lines = ReplyParser.Parse(output, Host);
        ReplyParser.ThrowIfError(lines, Host, id);
        return lines;
    }

    private JobStatus SingleStatus(IReadOnlyList<ReplyLine> lines) => SingleStatus(lines, Host);

    private static JobStatus SingleStatus(IReadOnlyList<ReplyLine> lines, string host)
    {
        var line = lines.LastOrDefault(l => l.Tag == ReplyTags.Status)
            ?? throw new SessionKeeperException(FailureKind.RemoteError, $"{host} sent no job status.");
        return StatusParser.Parse(line, host);
    }
}
