using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Core.Fleet.Runs;

/// <summary>One host's line in a fleet run's summary.</summary>
internal sealed record FleetHostResult(JournalJob Job, FleetOutcome Outcome, JobStatus? Status, string? Error, TimeSpan Duration, long Bytes)
{
    public string Host => Job.Endpoint.Label;
}
