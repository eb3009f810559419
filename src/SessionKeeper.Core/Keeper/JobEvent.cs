using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper;

/// <summary>What happens to a followed job, in order: <see cref="JobKeeper.FollowAsync"/> yields these.</summary>
public abstract record JobEvent
{
    private JobEvent()
    {
    }

    /// <summary>The target started the job (or confirmed it had started it).</summary>
    public sealed record Launched(JobId JobId, JobStatus Status) : JobEvent;

    /// <summary>
    /// Output bytes of one stream (<see cref="OutputKind.Stdout"/> or <see cref="OutputKind.Stderr"/>),
    /// in order, exactly once; <paramref name="Offset"/> counts from that stream's first byte in
    /// this attempt. The event owns its bytes.
    /// </summary>
    public sealed record Output(OutputKind Stream, long Offset, ReadOnlyMemory<byte> Bytes) : JobEvent;

    /// <summary>The link was lost with <paramref name="Offset"/> bytes of output delivered (both streams); the job keeps running and the keeper reconnects.</summary>
    public sealed record Disconnected(string Reason, long Offset) : JobEvent;

    /// <summary>A connection attempt failed; the next one comes after <paramref name="Delay"/>.</summary>
    public sealed record Retrying(int Attempt, TimeSpan Delay, string Reason) : JobEvent;

    /// <summary>Reconnected after <paramref name="Gap"/>; output resumes at <paramref name="Offset"/>.</summary>
    public sealed record Reconnected(TimeSpan Gap, long Offset) : JobEvent;

    /// <summary>The job ended and its restart policy starts it again, as attempt <paramref name="Attempt"/>.</summary>
    public sealed record Restarting(JobId JobId, JobStatus Ended, int Attempt, TimeSpan Delay) : JobEvent;

    /// <summary>Something the user should read (a risk the target reported, a launch retried).</summary>
    public sealed record Warning(JobId JobId, string Message) : JobEvent;

    /// <summary>The job ended; always the last event.</summary>
    public sealed record Finished(JobResult Result) : JobEvent;
}
