using System.Text;

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

    /// <summary>The local copy of a job's log: mirrors/user@host_port/JOB.log.</summary>
    public static string Mirror(string root, string hostLabel, string jobId)
    {
        var safe = new StringBuilder();
        foreach (var c in hostLabel)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@' ? c : '_');
        }

        return Path.Combine(root, "mirrors", safe.ToString(), jobId + ".log");
    }
}
