namespace SessionKeeper.Cli.Infrastructure;

/// <summary>Where local state lives: --state-dir, else <see cref="JobKeeper.DefaultStateDirectory"/>.</summary>
internal static class StatePaths
{
    public static string Root(string? stateDir) => string.IsNullOrEmpty(stateDir) ? JobKeeper.DefaultStateDirectory() : stateDir;
}
