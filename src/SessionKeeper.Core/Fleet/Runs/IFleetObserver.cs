using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Core.Fleet.Runs;

/// <summary>Where a fleet run's events go: a terminal view, tagged lines, or JSON Lines.</summary>
internal interface IFleetObserver
{
    /// <summary>The stream that receives this host's output (null: the mirror alone keeps it).</summary>
    Stream? OutputFor(JournalJob job);

    IAttachObserver StreamObserverFor(JournalJob job);

    void Launched(JournalJob job, JobStatus status);

    void Finished(FleetHostResult result);

    /// <summary>A risk the target reported at launch (e.g. logind killing the user's processes at logout).</summary>
    void Warning(JournalJob job, string warning);
}
