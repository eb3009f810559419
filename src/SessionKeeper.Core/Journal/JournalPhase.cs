namespace SessionKeeper.Core.Journal;

/// <summary>
/// Where a launch stands locally. A job is journaled as <see cref="Planned"/> before any remote
/// call and becomes <see cref="Intent"/> just before the launch request goes out, so a crash at any
/// step leaves a job that is known not to have been sent (never started by an implicit path), or
/// that may have been sent (completed, exactly once, thanks to the target's atomic mkdir and
/// cookie), or that is known to be running or finished.
/// </summary>
public enum JournalPhase
{
    /// <summary>The launch request may have gone out and no answer came: resume completes it.</summary>
    Intent,

    /// <summary>Confirmed started on the target.</summary>
    Launched,

    /// <summary>The exit status is known and recorded here.</summary>
    Finished,

    /// <summary>Journaled; the launch request has not been sent (schema 4).</summary>
    Planned,

    /// <summary>The launch failed before its request was sent (no connection, key or auth refused): nothing ran.</summary>
    NotLaunched,

    /// <summary>Never tried: --max-failures was reached first. Nothing ran.</summary>
    Skipped,
}

internal static class JournalPhases
{
    public static string ToWire(this JournalPhase phase) => phase switch
    {
        JournalPhase.Intent => "intent",
        JournalPhase.Launched => "launched",
        JournalPhase.Finished => "finished",
        JournalPhase.Planned => "planned",
        JournalPhase.NotLaunched => "not-launched",
        _ => "skipped",
    };

    public static JournalPhase Parse(string text) => text switch
    {
        "intent" => JournalPhase.Intent,
        "launched" => JournalPhase.Launched,
        "finished" => JournalPhase.Finished,
        "planned" => JournalPhase.Planned,
        "not-launched" => JournalPhase.NotLaunched,
        "skipped" => JournalPhase.Skipped,
        _ => throw new FormatException($"unknown phase '{text}'"),
    };

    /// <summary>Whether the launch request may have reached the target (only then may resume or the daemon carry it on).</summary>
    public static bool MayHaveStarted(this JournalPhase phase) => phase is JournalPhase.Intent or JournalPhase.Launched or JournalPhase.Finished;
}
