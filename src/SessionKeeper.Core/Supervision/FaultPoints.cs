using System.Diagnostics;

namespace SessionKeeper.Core.Supervision;

/// <summary>
/// Crash points for the tests that SIGKILL a supervisor at each step of a launch: when
/// $SESSIONKEEPER_FAULT names a point, the process kills itself there with SIGKILL, exactly as a
/// power cut would. Points starting with "remote-" are passed to the runner instead, and points
/// starting with "hold-" make the process wait at that stage (<see cref="Hold"/>).
/// Compiled in only where FAULT_INJECTION is defined (Directory.Build.props: every build but
/// `dotnet pack` and `dotnet publish`): in what ships, the calls are removed by the compiler and
/// the variable means nothing.
/// </summary>
internal static class FaultPoints
{
    public const string Variable = "SESSIONKEEPER_FAULT";

    /// <summary>How long a hold point waits at most for the cancellation a test sends.</summary>
    private static readonly TimeSpan HoldLimit = TimeSpan.FromMinutes(2);

    private static int _held;

#if FAULT_INJECTION
    public static string? Remote =>
        Environment.GetEnvironmentVariable(Variable) is { } point && point.StartsWith("remote-", StringComparison.Ordinal) ? point : null;

    /// <summary>
    /// Whether a point is named: this process is the one a test means to stop, so it does its own
    /// journal work instead of handing a launch to the daemon (<see cref="IJournalingTransport"/>).
    /// </summary>
    public static bool Armed => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable));
#else
    public static string? Remote => null;

    public static bool Armed => false;
#endif

    [Conditional("FAULT_INJECTION")]
    public static void Hit(string point)
    {
        if (Environment.GetEnvironmentVariable(Variable) == point)
        {
            using var self = Process.GetCurrentProcess();
            self.Kill();
        }
    }

    /// <summary>
    /// When $SESSIONKEEPER_FAULT names <paramref name="point"/> ("hold-..."), the first time the
    /// process reaches it: says so on stderr ("sessionkeeper: fault point POINT reached"), then
    /// waits until <paramref name="cancellationToken"/> is cancelled (at most two minutes) and
    /// goes on, so the code after it meets the cancellation exactly as it would at that stage.
    /// A test waits for that line and then sends its signal: a stage is hit without a race.
    /// </summary>
    [Conditional("FAULT_INJECTION")]
    public static void Hold(string point, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(Variable) != point || Interlocked.Exchange(ref _held, 1) == 1)
        {
            return;
        }

        Console.Error.WriteLine($"sessionkeeper: fault point {point} reached");
        cancellationToken.WaitHandle.WaitOne(HoldLimit);
    }
}
