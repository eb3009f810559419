using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Core.Fleet.Runs;

/// <summary>Where a fleet run's events go: a terminal view, tagged lines, or JSON Lines.</summary>
public interface IFleetObserver
{
    /// <summary>The streams that receive this host's stdout and stderr (null: the mirror alone keeps them).</summary>
    JobStreams? OutputFor(JournalJob job);

    /// <summary>What this host's stream reports (disconnections, reconnections, gaps).</summary>
    IAttachObserver StreamObserverFor(JournalJob job);

    /// <summary>The host's job was launched (or found launched) with this status.</summary>
    void Launched(JournalJob job, JobStatus status);

    /// <summary>The host is done with: its job ended, or it failed, or it was skipped.</summary>
    void Finished(FleetHostResult result);

    /// <summary>A risk the target reported at launch (e.g. logind killing the user's processes at logout).</summary>
    void Warning(JournalJob job, string warning);
}
