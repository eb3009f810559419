namespace SessionKeeper.Core.Jobs;

/// <summary>What to run: the command text as `ssh HOST CMD` would run it, and where.</summary>
/// <param name="Command">Run by <paramref name="Shell"/> (the login shell when null) with -c.</param>
/// <param name="Timeout">Enforced on the target by the wrapper: TERM, then KILL after <paramref name="Grace"/>.</param>
public sealed record JobSpec(
    string Command,
    string? WorkingDirectory = null,
    IReadOnlyList<KeyValuePair<string, string>>? Environment = null,
    string? Shell = null,
    TimeSpan? Timeout = null,
    TimeSpan? Grace = null)
{
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(10);
}
