using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper;

/// <summary>A job that was started: its journal record and the status the target reported at launch.</summary>
public sealed record JobHandle(JournalJob Job, JobStatus Launched)
{
    /// <summary>The job's id.</summary>
    public JobId Id => Job.Id;
}

/// <summary>How a followed job ended (the last attempt, under a restart policy).</summary>
/// <param name="Job">The journal record of the attempt that ended.</param>
/// <param name="Status">Its final status, as the target recorded it.</param>
/// <param name="KilledOnRequest">True when the caller's kill token ended it.</param>
public sealed record JobResult(JournalJob Job, JobStatus Status, bool KilledOnRequest = false)
{
    /// <summary>The job's exit code as a shell reports it (0-255, 128+N after signal N); null when it is lost.</summary>
    public int? ExitCode => Status.ShellExitCode;
}

/// <summary>What a kill or a signal found and did.</summary>
/// <param name="Status">The job's status after the signal.</param>
/// <param name="Signalled">The last signal sent ("TERM", "KILL", "INT", a number), or "none" when the job was not running.</param>
public sealed record SignalResult(JobStatus Status, string Signalled)
{
    /// <summary>True when no signal was sent because the job had already ended.</summary>
    public bool NothingSent => Signalled == "none";
}
