namespace SessionKeeper.Core.Jobs;

/// <summary>The state of a job, always derived on the target from its files and live identity.</summary>
public enum JobState
{
    Starting,
    Running,
    Exited,
    Killed,
    TimedOut,
    Lost,
}

public static class JobStateExtensions
{
    public static bool IsFinished(this JobState state) => state is JobState.Exited or JobState.Killed or JobState.TimedOut or JobState.Lost;

    public static string ToWire(this JobState state) => state switch
    {
        JobState.TimedOut => "timed-out",
        _ => state.ToString().ToLowerInvariant(),
    };
}
