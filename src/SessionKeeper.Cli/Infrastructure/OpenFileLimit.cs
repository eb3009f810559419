using System.Runtime.InteropServices;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// RLIMIT_NOFILE for large fleets: each connection holds a socket and each followed job its
/// mirror files, and the usual soft limit (1024) is reached long before the hard one (often
/// 524288). The soft limit is raised to the hard one, which any process may do. .NET has no API
/// for resource limits and Tmds.LibC 0.5.0 binds neither getrlimit nor setrlimit, so these two
/// calls are the one source-generated P/Invoke of their own (AOT-safe, like Tmds.LibC's).
/// </summary>
internal static partial class OpenFileLimit
{
    private const int RlimitNofile = 7; // RLIMIT_NOFILE on every Linux architecture we build for (x64, arm64).

    /// <summary>The soft and hard limits now, or null where they cannot be read (not Linux).</summary>
    public static (ulong Soft, ulong Hard)? Read()
    {
        if (!OperatingSystem.IsLinux() || getrlimit(RlimitNofile, out var limit) != 0)
        {
            return null;
        }

        return (limit.Current, limit.Maximum);
    }

    /// <summary>
    /// Raises the soft limit to the hard one and says what it got at -v ("open files: soft limit
    /// 1024 raised to 524288"). A failure leaves the limit as it was: the fleet runs on and its
    /// connections fail one by one with EMFILE, each reported.
    /// </summary>
    public static (ulong Soft, ulong Hard)? Raise(Verbosity verbosity, int parallel)
    {
        var before = Read();
        if (before is not { } limits)
        {
            return null;
        }

        var raised = limits.Soft;
        string? failure = null;
        if (limits.Soft < limits.Hard)
        {
            failure = SetSoft(limits.Hard, limits.Hard);
            raised = failure is null ? limits.Hard : limits.Soft;
        }

        if (verbosity == Verbosity.Verbose)
        {
            var said = failure is not null
                ? $"soft limit {limits.Soft} kept (raising it to {limits.Hard} failed: {failure})"
                : raised == limits.Soft ? $"soft limit {limits.Soft} (already the hard limit)" : $"soft limit {limits.Soft} raised to {raised}";
            Console.Error.WriteLine($"sessionkeeper: debug: open files: {said}, for --parallel {parallel}.");
        }

        return (raised, limits.Hard);
    }

    /// <summary>Sets the soft limit (the hard one kept); null when done, else the system's reason.</summary>
    internal static string? SetSoft(ulong soft, ulong hard)
    {
        var wanted = new RLimit { Current = soft, Maximum = hard };
        return setrlimit(RlimitNofile, in wanted) == 0 ? null : Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in RLimit limit);

    /// <summary>struct rlimit: two rlim_t, which is unsigned long (64 bits on x64 and arm64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
