using System.Runtime.InteropServices;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>The few glibc calls the test infrastructure needs (no extra package dependency).</summary>
internal static class Libc
{
    internal const int ESRCH = 3;

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    internal static extern int Link(string existing, string link);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "geteuid")]
    internal static extern uint GetEffectiveUserId();
}
