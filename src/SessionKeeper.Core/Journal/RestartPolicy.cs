using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Journal;

/// <summary>run --restart: whichever supervisor owns the job starts a new attempt after it ends.</summary>
public sealed record RestartPolicy(RestartMode Mode, int MaxRestarts, TimeSpan Delay)
{
    /// <summary>Never restart.</summary>
    public static readonly RestartPolicy None = new(RestartMode.No, 0, TimeSpan.Zero);

    /// <summary>no, on-failure or always; a wrong word is named as <paramref name="what"/> says (an option's name, for a CLI).</summary>
    public static RestartMode ParseMode(string text, string what = "restart mode") => text switch
    {
        "no" => RestartMode.No,
        "on-failure" => RestartMode.OnFailure,
        "always" => RestartMode.Always,
        _ => throw new SessionKeeperException(FailureKind.InvalidInput, $"invalid {what} '{text}': use on-failure, always or no."),
    };

    /// <summary>The mode's word: no, on-failure or always.</summary>
    public static string ToWire(RestartMode mode) => mode switch
    {
        RestartMode.OnFailure => "on-failure",
        RestartMode.Always => "always",
        _ => "no",
    };

    /// <summary>Whether attempt number <paramref name="attempt"/> (1 = the first run), ending so, is followed by another.</summary>
    public bool ShouldRestart(JobStatus finished, int attempt) =>
        attempt <= MaxRestarts && Mode switch
        {
            RestartMode.Always => true,
            RestartMode.OnFailure => !(finished.State == JobState.Exited && finished.ExitCode == 0),
            _ => false,
        };
}

/// <summary>When a job is started again.</summary>
public enum RestartMode
{
    /// <summary>Never.</summary>
    No,
    /// <summary>When it ends other than with exit code 0.</summary>
    OnFailure,
    /// <summary>Whenever it ends.</summary>
    Always,
}
