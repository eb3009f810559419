using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Fleet.Runs;

/// <summary>How one host of a fleet run ended. "Unreachable" is not "failed", and neither is "lost".</summary>
public enum FleetOutcome
{
    /// <summary>The job exited 0.</summary>
    Succeeded,

    /// <summary>The job exited non-zero.</summary>
    Failed,

    /// <summary>The job died of a signal (kill, OOM...).</summary>
    Killed,

    /// <summary>The job was stopped at its time limit.</summary>
    TimedOut,

    /// <summary>The job's wrapper vanished or the host rebooted: its exit status is unknown.</summary>
    Lost,

    /// <summary>No connection within the host's budget: the job's state is unknown; resumable later.</summary>
    Unreachable,

    /// <summary>The host refused every key offered: nothing was sent to it.</summary>
    AuthenticationRefused,

    /// <summary>The host key did not match known_hosts (or was unknown under strict checking): nothing was sent to it.</summary>
    HostKeyRefused,

    /// <summary>Never launched: --max-failures was reached first.</summary>
    NotLaunched,
}

internal static class FleetOutcomes
{
    public static FleetOutcome From(JobStatus status) => status.State switch
    {
        JobState.Exited => status.ExitCode == 0 ? FleetOutcome.Succeeded : FleetOutcome.Failed,
        JobState.Killed => FleetOutcome.Killed,
        JobState.TimedOut => FleetOutcome.TimedOut,
        _ => FleetOutcome.Lost,
    };

    public static FleetOutcome From(SessionKeeperException failure) => failure.Kind switch
    {
        FailureKind.AuthenticationFailed => FleetOutcome.AuthenticationRefused,
        FailureKind.HostKeyRefused => FleetOutcome.HostKeyRefused,
        FailureKind.JobNotFound => FleetOutcome.Lost,
        _ => FleetOutcome.Unreachable,
    };

    public static bool IsFailure(this FleetOutcome outcome) => outcome is not (FleetOutcome.Succeeded or FleetOutcome.NotLaunched);

    public static string ToWire(this FleetOutcome outcome) => outcome switch
    {
        FleetOutcome.Succeeded => "ok",
        FleetOutcome.Failed => "failed",
        FleetOutcome.Killed => "killed",
        FleetOutcome.TimedOut => "timed-out",
        FleetOutcome.Lost => "lost",
        FleetOutcome.Unreachable => "unreachable",
        FleetOutcome.AuthenticationRefused => "auth-refused",
        FleetOutcome.HostKeyRefused => "hostkey-refused",
        _ => "not-launched",
    };

    /// <summary>
    /// The fleet's exit code: 0 when every job exited 0; otherwise the most serious class present:
    /// 1 a job failed (non-zero, killed, timed out), 2 a job was lost, 3 a host was unreachable,
    /// refused us, or was never launched.
    /// </summary>
    public static int ExitCode(IEnumerable<FleetOutcome> outcomes) => outcomes.Select(o => o switch
    {
        FleetOutcome.Succeeded => 0,
        FleetOutcome.Failed or FleetOutcome.Killed or FleetOutcome.TimedOut => 1,
        FleetOutcome.Lost => 2,
        _ => 3,
    }).DefaultIfEmpty(0).Max();
}
