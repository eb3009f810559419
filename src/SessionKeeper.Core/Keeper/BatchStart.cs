using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper;

/// <summary>One host of a batch started without following (<see cref="JobKeeper.StartBatchAsync"/>).</summary>
/// <param name="Job">The host's journaled job.</param>
/// <param name="Status">The job's status as its launch reported it; null when it failed.</param>
/// <param name="Failure">Why the host could not be started; null when it was.</param>
public sealed record BatchStart(JournalJob Job, JobStatus? Status, SessionKeeperException? Failure);
