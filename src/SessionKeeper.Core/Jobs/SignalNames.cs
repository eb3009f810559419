namespace SessionKeeper.Core.Jobs;

/// <summary>Linux signal numbers to names, for messages.</summary>
internal static class SignalNames
{
    private static readonly string[] Names =
    [
        "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    public static string Name(int signal) => signal > 0 && signal < Names.Length ? Names[signal] : $"signal {signal}";

    /// <summary>
    /// A signal as the user names it (INT, SIGINT, int, 2) to what the runner passes to `kill -s`:
    /// a name without "SIG", or a number 1-64 as given (numbers differ between architectures).
    /// </summary>
    public static string Parse(string text, string option)
    {
        var t = text.Trim().ToUpperInvariant();
        if (t.Length is > 0 and <= 2 && t.All(char.IsAsciiDigit) && int.Parse(t, System.Globalization.CultureInfo.InvariantCulture) is >= 1 and <= 64)
        {
            return t.TrimStart('0');
        }

        var name = t.StartsWith("SIG", StringComparison.Ordinal) ? t : "SIG" + t;
        var index = Array.IndexOf(Names, name);
        return index > 0
            ? name[3..]
            : throw new Failures.SessionKeeperException(Failures.FailureKind.InvalidInput, $"{option}: unknown signal '{text}'; use a name such as INT, TERM, HUP, USR1 or a number 1-64.");
    }

    /// <summary>The names of the signals set in a /proc/PID/status mask (SigIgn, SigBlk: bit N-1 is signal N).</summary>
    public static IReadOnlyList<string> FromMask(ulong mask) =>
        [.. Enumerable.Range(1, 64).Where(n => (mask & (1UL << (n - 1))) != 0).Select(Name)];
}
