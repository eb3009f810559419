using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Core.Remote;

/// <summary>A typed request to the runner; <see cref="ToRunnerRequest"/> gives the variables it sends.</summary>
internal interface IRunnerRequest
{
    RunnerRequest ToRunnerRequest();
}

/// <summary>Start (or, with the same id and cookie, confirm) a job: the launch verb.</summary>
/// <param name="Id">The job's id, also the name of its directory on the target.</param>
/// <param name="Cookie">The launch's secret, which makes a retried launch recognisable.</param>
/// <param name="Spec">What to run.</param>
/// <param name="Fault">Tests only: a remote fault point for the runner to stop at.</param>
internal sealed record LaunchRequest(JobId Id, JobCookie Cookie, JobSpec Spec, string? Fault = null) : IRunnerRequest
{
    /// <summary>The job reads its stdin from a spool that <see cref="UploadRequest"/> fills (else /dev/null).</summary>
    public bool SpoolStdin { get; init; }

    public RunnerRequest ToRunnerRequest()
    {
        var request = ToRunnerRequest(Id.ToString(), Fields());
        return Fault is { } fault ? request.Set(RequestVariables.Fault, fault) : request;
    }

    /// <summary>
    /// The runner's launch of job <paramref name="id"/> with the request's own values, by variable
    /// name (<see cref="Fields"/>): the scripts are this build's, so the daemon's broker rebuilds
    /// from a resident launcher's request line (<see cref="ResidentLaunch"/>) the very payload the
    /// CLI would have sent.
    /// </summary>
    internal static RunnerRequest ToRunnerRequest(string id, IReadOnlyDictionary<string, byte[]> fields) =>
        new RunnerRequest(Verbs.Launch)
            .Set(RequestVariables.Id, id)
            .Set(RequestVariables.Cookie, fields[RequestVariables.Cookie])
            .Set(RequestVariables.Command, fields[RequestVariables.Command])
            .Set(RequestVariables.WorkingDirectory, fields[RequestVariables.WorkingDirectory])
            .Set(RequestVariables.Environment, fields[RequestVariables.Environment])
            .Set(RequestVariables.Shell, fields[RequestVariables.Shell])
            .Set(RequestVariables.Timeout, fields[RequestVariables.Timeout])
            .Set(RequestVariables.Grace, fields[RequestVariables.Grace])
            .Set(RequestVariables.Wrapper, RunnerRequest.WrapperScript)
            .Set(RequestVariables.Keeper, RunnerRequest.KeeperLaunchScript)
            .Set(RequestVariables.Stdin, fields[RequestVariables.Stdin]);

    /// <summary>The request's values, by variable name, as the runner gets them (the scripts and the fault hook aside).</summary>
    internal Dictionary<string, byte[]> Fields() => new(StringComparer.Ordinal)
    {
        [RequestVariables.Cookie] = Utf8(Cookie.ToString()),
        [RequestVariables.Command] = Spec.CommandBytes,
        [RequestVariables.WorkingDirectory] = Utf8(Spec.WorkingDirectory ?? ""),
        [RequestVariables.Environment] = Utf8(JobClient.EnvironmentText(Spec.Environment)),
        [RequestVariables.Shell] = Utf8(Spec.Shell ?? ""),
        [RequestVariables.Timeout] = Utf8(WholeSeconds(Spec.Timeout ?? TimeSpan.Zero).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        [RequestVariables.Grace] = Utf8(WholeSeconds(Spec.Grace ?? JobSpec.DefaultGrace).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        [RequestVariables.Stdin] = Utf8(SpoolStdin ? "spool" : "null"),
    };

    /// <summary>The wrapper counts in whole seconds; a part of one is rounded up, never to "no limit".</summary>
    internal static long WholeSeconds(TimeSpan span) => (long)Math.Ceiling(span.TotalSeconds);

    private static byte[] Utf8(string value) => System.Text.Encoding.UTF8.GetBytes(value);
}

/// <summary>
/// A launch whose channel goes on as the job's stream (the run verb): the launch's replies, then the
/// stream's, on one exec channel, so a foreground job costs the target one login instead of two and
/// a short job's exit status comes back on the channel that started it.
/// </summary>
internal sealed record RunRequest(LaunchRequest Launch, StreamRequest Stream) : IRunnerRequest
{
    public RunnerRequest ToRunnerRequest() => RunnerRequest.Combined(Verbs.Run, Launch.ToRunnerRequest(), Stream.ToRunnerRequest());
}

/// <summary>
/// Record process <paramref name="Pid"/> (started by hand, in a terminal) as job <paramref name="Id"/>
/// and protect its process group from the terminal's hangup: the adopt verb. <paramref name="Cookie"/>
/// makes a retried request recognisable, as for a launch.
/// </summary>
internal sealed record AdoptRequest(JobId Id, JobCookie Cookie, int Pid, string? Fault = null) : IRunnerRequest
{
    public RunnerRequest ToRunnerRequest()
    {
        var request = new RunnerRequest(Verbs.Adopt)
            .Set(RequestVariables.Id, Id.ToString())
            .Set(RequestVariables.Cookie, Cookie.ToString())
            .Set(RequestVariables.Pid, Pid)
            .Set(RequestVariables.AdoptTool, RunnerRequest.AdoptToolScript);
        return Fault is { } fault ? request.Set(RequestVariables.Fault, fault) : request;
    }
}

/// <summary>The processes `adopt HOST` offers: this user's, with a terminal.</summary>
internal sealed record AdoptableRequest : IRunnerRequest
{
    public RunnerRequest ToRunnerRequest() => new(Verbs.Adoptable);
}

/// <summary>One job's status.</summary>
internal sealed record StatusRequest(JobId Id) : IRunnerRequest
{
    public RunnerRequest ToRunnerRequest() => new RunnerRequest(Verbs.Status).Set(RequestVariables.Id, Id.ToString());
}

/// <summary>The status of every job directory of the user.</summary>
internal sealed record ListRequest : IRunnerRequest
{
    public RunnerRequest ToRunnerRequest() => new(Verbs.List);
}

/// <summary>TERM to the job's process group, KILL after <paramref name="Grace"/>.</summary>
internal sealed record KillRequest(JobId Id, TimeSpan Grace) : IRunnerRequest
{
    public RunnerRequest ToRunnerRequest() =>
        new RunnerRequest(Verbs.Kill).Set(RequestVariables.Id, Id.ToString()).Set(RequestVariables.Grace, LaunchRequest.WholeSeconds(Grace));
}

/// <summary>One signal (a name without SIG, or a number) to the job's process group, no escalation.</summary>
internal sealed record SignalRequest(JobId Id, string Signal) : IRunnerRequest
{
    public RunnerRequest ToRunnerRequest() => new RunnerRequest(Verbs.Kill).Set(RequestVariables.Id, Id.ToString()).Set(RequestVariables.Signal, Signal);
}

/// <summary>
/// Append to a job's stdin spool: the runner answers with what the spool holds, then takes the bytes
/// that follow on the channel until it closes. With <paramref name="End"/> the spool is complete once
/// it holds that many bytes; with <paramref name="Close"/> it is closed at what it holds, and nothing follows.
/// </summary>
internal sealed record UploadRequest(JobId Id, long? End = null, bool Close = false) : IRunnerRequest
{
    public RunnerRequest ToRunnerRequest()
    {
        var request = new RunnerRequest(Verbs.Upload).Set(RequestVariables.Id, Id.ToString());
        if (End is { } end)
        {
            request.Set(RequestVariables.StdinEnd, end);
        }

        return Close ? request.Set(RequestVariables.StdinClose, "1") : request;
    }
}

/// <summary>Remove a finished job's directory.</summary>
internal sealed record RemoveRequest(JobId Id) : IRunnerRequest
{
    public RunnerRequest ToRunnerRequest() => new RunnerRequest(Verbs.Remove).Set(RequestVariables.Id, Id.ToString());
}

/// <summary>Remove finished job directories older than <paramref name="OlderThan"/>.</summary>
internal sealed record CollectGarbageRequest(TimeSpan OlderThan) : IRunnerRequest
{
    public RunnerRequest ToRunnerRequest() => new RunnerRequest(Verbs.CollectGarbage).Set(RequestVariables.Age, (long)OlderThan.TotalSeconds);
}

/// <summary>
/// A job's output from <paramref name="Offsets"/> (each stream's own), in frames of at most
/// <paramref name="MaxBytes"/> unacknowledged bytes, with a heartbeat every <paramref name="Heartbeat"/>;
/// the helper asks to be renewed after <paramref name="TimeToLive"/>. <paramref name="Client"/> names
/// this reader, so a reader that reconnects replaces its own earlier helper on the target.
/// </summary>
internal sealed record StreamRequest(JobId Id, StreamOffsets Offsets, long MaxBytes, TimeSpan Heartbeat, TimeSpan TimeToLive, string Client) : IRunnerRequest
{
    /// <summary>Whether the client sends credit lines; null leaves the runner's default.</summary>
    public bool? Credit { get; init; }

    /// <summary>"posix" serves the stream in sh even where perl exists; null lets the runner pick.</summary>
    public string? Tier { get; init; }

    /// <summary>Stop once everything written so far was sent ("caught"), instead of following.</summary>
    public bool Once { get; init; }

    /// <summary>How much of each stream the client already holds: a shorter file on the target is refused as replaced.</summary>
    public StreamOffsets? Known { get; init; }

    /// <summary>Start each stream at its last N lines instead of at <see cref="Offsets"/>.</summary>
    public int? TailLines { get; init; }

    public RunnerRequest ToRunnerRequest()
    {
        var request = new RunnerRequest(Verbs.Stream)
            .Set(RequestVariables.Id, Id.ToString())
            .Set(RequestVariables.Offset, Offsets.Stdout)
            .Set(RequestVariables.ErrOffset, Offsets.Stderr)
            .Set(RequestVariables.LogOffset, Offsets.Combined)
            .Set(RequestVariables.MaxBytes, MaxBytes)
            .Set(RequestVariables.HeartbeatMilliseconds, (long)Heartbeat.TotalMilliseconds)
            .Set(RequestVariables.TimeToLive, (long)Math.Max(1, TimeToLive.TotalSeconds))
            .Set(RequestVariables.Client, Client)
            .Set(RequestVariables.StreamTool, RunnerRequest.StreamToolScript);
        if (Tier is { } tier)
        {
            request.Set(RequestVariables.Tier, tier);
        }

        if (Credit is { } credit)
        {
            request.Set(RequestVariables.CreditEnabled, credit ? "1" : "0");
        }

        if (Once)
        {
            request.Set(RequestVariables.Once, "1");
        }

        if (Known is { } known)
        {
            request.Set(RequestVariables.Known, known.Stdout).Set(RequestVariables.ErrKnown, known.Stderr).Set(RequestVariables.LogKnown, known.Combined);
        }

        if (TailLines is { } tail)
        {
            request.Set(RequestVariables.Tail, tail);
        }

        return request;
    }
}
