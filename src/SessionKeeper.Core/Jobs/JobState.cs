namespace SessionKeeper.Core.Jobs;

/// <summary>The state of a job, always derived on the target from its files and live identity.</summary>
public enum JobState
{
    /// <summary>Launched; the wrapper has not recorded the job's identity yet.</summary>
    Starting,
    /// <summary>Running, its identity (pid, start time, boot id) checked live.</summary>
    Running,
    /// <summary>Ended with an exit code (0-255).</summary>
    Exited,
    /// <summary>Ended by a signal.</summary>
    Killed,
    /// <summary>Stopped at its time limit (TERM, then KILL after the grace period).</summary>
    TimedOut,
    /// <summary>Gone without a record of how it ended (the host rebooted, the wrapper vanished): its exit status is unknown.</summary>
    Lost,
    /// <summary>
    /// Ended (the kernel holds its exit status), but its wrapper has not recorded that status yet:
    /// the wrapper is stopped or starved of CPU. Not final: the record follows once the wrapper runs.
    /// </summary>
    Ending,
    /// <summary>
    /// An adopted job (a process started by hand, taken over by <c>adopt</c>) that is gone: it was
    /// not our child, so its exit status was nobody's to read and is unknown for good.
    /// </summary>
    Ended,
}

/// <summary>Helpers on <see cref="JobState"/>.</summary>
public static class JobStateExtensions
{
    /// <summary>True once the job can change no more: exited, killed, timed out, lost, or ended (adopted).</summary>
    public static bool IsFinished(this JobState state) => state is JobState.Exited or JobState.Killed or JobState.TimedOut or JobState.Lost or JobState.Ended;

    /// <summary>The state's word in JSON and in the journal: running, exited, timed-out...</summary>
    public static string ToWire(this JobState state) => state switch
    {
        JobState.TimedOut => "timed-out",
        _ => state.ToString().ToLowerInvariant(),
    };
}
