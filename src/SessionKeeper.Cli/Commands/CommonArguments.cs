using System.CommandLine;

namespace SessionKeeper.Cli.Commands;

internal static class CommonArguments
{
    public static Argument<string> Host() => new("host") { Description = "[user@]host" };

    public static Argument<string> Job() => new("job") { Description = "The job id printed by run." };

    public static Option<bool> Json() => new("--json") { Description = "Machine-readable output." };

    public static Option<bool> Quiet { get; } = new("--quiet", "-q")
    {
        Description = "Say nothing of our own but errors (the job's output is never affected).",
        Recursive = true,
    };

    public static Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Status lines even when stderr is not a terminal, and connection details (host key, keys offered, ciphers).",
        Recursive = true,
    };

    public static Option<string?> StateDir { get; } = new("--state-dir")
    {
        Description = "Local state directory (default $SESSIONKEEPER_STATE_DIR or ${XDG_STATE_HOME:-~/.local/state}/sessionkeeper).",
        Recursive = true,
    };

    public static Option<string?> Journal { get; } = new("--journal")
    {
        Description = "The journal: a postgresql://user@host:port/database URL shared with other workstations and daemons, or 'sqlite' for the state directory's own (default $SESSIONKEEPER_JOURNAL, else 'sqlite').",
        Recursive = true,
    };

    public static Option<bool> NoDaemon { get; } = new("--no-daemon")
    {
        Description = "Connect directly even when a daemon is running (as does $SESSIONKEEPER_NO_DAEMON=1).",
        Recursive = true,
    };
}
