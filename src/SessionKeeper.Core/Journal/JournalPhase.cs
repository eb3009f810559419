namespace SessionKeeper.Core.Journal;

/// <summary>
/// Where a launch stands locally. Intent is written before the remote call, so a crash at any
/// step leaves a job that is either known not to have started (and can be launched, exactly once,
/// thanks to the target's atomic mkdir and cookie) or known to be running or finished.
/// </summary>
public enum JournalPhase
{
    /// <summary>About to launch: the remote call may or may not have happened.</summary>
    Intent,

    /// <summary>Confirmed started on the target.</summary>
    Launched,

    /// <summary>The exit status is known and recorded here.</summary>
    Finished,
}
