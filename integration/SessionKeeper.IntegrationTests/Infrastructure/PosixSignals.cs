using System.ComponentModel;
using System.Runtime.InteropServices;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>Signal numbers (Linux) and a safe wrapper around kill(2).</summary>
public static class PosixSignals
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;

    /// <summary>
    /// Sends <paramref name="signal"/> to one process. Returns false when the process does not
    /// exist (ESRCH). Refuses pid &lt;= 1: 0, -1 and negative pids address groups or everything.
    /// </summary>
    public static bool Send(int pid, int signal)
    {
        if (pid <= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(pid), pid, "Refusing to signal pid <= 1.");
        }

        if (Libc.Kill(pid, signal) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno == Libc.ESRCH)
        {
            return false;
        }

        throw new Win32Exception(errno, $"kill({pid}, {signal}) failed.");
    }
}
