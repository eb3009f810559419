using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Core.Fleet.Runs;

/// <summary>One host's line in a fleet run's summary.</summary>
/// <param name="Job">The host's last job (a restart's latest attempt).</param>
/// <param name="Outcome">How the host ended, unreachable told apart from failed.</param>
/// <param name="Status">The job's final status, when one was read.</param>
/// <param name="Error">What went wrong, when the host failed before a status was read.</param>
/// <param name="Duration">From the host's turn to its end.</param>
/// <param name="Bytes">The output kept in the host's local mirror.</param>
public sealed record FleetHostResult(JournalJob Job, FleetOutcome Outcome, JobStatus? Status, string? Error, TimeSpan Duration, long Bytes)
{
    /// <summary>The host as the user named it (<see cref="JournalJob.DisplayName"/>); <c>Job.Endpoint.Label</c> is where it resolved to.</summary>
    public string Host => Job.DisplayName;
}
