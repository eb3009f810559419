using System.Diagnostics;

namespace SessionKeeper.Core.Supervision;

/// <summary>
/// Crash points for the tests that SIGKILL a supervisor at each step of a launch: when
/// $SESSIONKEEPER_FAULT names a point, the process kills itself there with SIGKILL, exactly as a
/// power cut would. Points starting with "remote-" are passed to the runner instead.
/// </summary>
internal static class FaultPoints
{
    public const string Variable = "SESSIONKEEPER_FAULT";

    public static string? Remote =>
        Environment.GetEnvironmentVariable(Variable) is { } point && point.StartsWith("remote-", StringComparison.Ordinal) ? point : null;

    public static void Hit(string point)
    {
        if (Environment.GetEnvironmentVariable(Variable) == point)
        {
            using var self = Process.GetCurrentProcess();
            self.Kill();
        }
    }
}
