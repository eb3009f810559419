namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// Where local state lives: --state-dir, else $SESSIONKEEPER_STATE_DIR, else
/// ${XDG_STATE_HOME:-~/.local/state}/sessionkeeper.
/// </summary>
internal static class StatePaths
{
    public static string Root(string? stateDir)
    {
        if (!string.IsNullOrEmpty(stateDir))
        {
            return stateDir;
        }

        if (Environment.GetEnvironmentVariable("SESSIONKEEPER_STATE_DIR") is { Length: > 0 } env)
        {
            return env;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".local", "state") : xdg, "sessionkeeper");
    }
}
