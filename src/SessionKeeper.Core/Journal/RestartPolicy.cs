using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Journal;

/// <summary>run --restart: whichever supervisor owns the job starts a new attempt after it ends.</summary>
public sealed record RestartPolicy(RestartMode Mode, int MaxRestarts, TimeSpan Delay)
{
    public static readonly RestartPolicy None = new(RestartMode.No, 0, TimeSpan.Zero);

    public static RestartMode ParseMode(string text) => text switch
    {
        "no" => RestartMode.No,
        "on-failure" => RestartMode.OnFailure,
        "always" => RestartMode.Always,
        _ => throw new SessionKeeperException(FailureKind.InvalidInput, $"invalid --restart '{text}': use on-failure, always or no."),
    };

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

public enum RestartMode
{
    No,
    OnFailure,
    Always,
}
