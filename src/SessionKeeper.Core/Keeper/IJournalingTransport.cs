using SessionKeeper.Core.Journal;

namespace SessionKeeper;

/// <summary>
/// A transport that can hand a whole <c>run -d</c> to a process that holds the journal and the
/// connection already (the daemon's broker): that process journals the job, launches it and
/// journals the reply, so this one opens no journal at all. The job is made here
/// (<see cref="Core.Supervision.JobPlanner.Draft"/>), its cookie included: if the other process
/// goes away before it answers, the journal's record of that id with that cookie says whether it
/// took the job, and the target's lock on the id and cookie makes a second launch of it the same launch.
/// </summary>
internal interface IJournalingTransport
{
    /// <summary>
    /// Hands <paramref name="draft"/> (a new job, nothing launched) to the daemon that serves
    /// <paramref name="stateRoot"/>'s journal. A failure the daemon met (refused, unreachable, the
    /// id taken, a runner error) is thrown as it threw it, after it journaled it as a direct start would.
    /// </summary>
    Task<DelegatedStart> StartAsync(string stateRoot, string? journal, JournalJob draft, CancellationToken cancellationToken);
}

/// <summary>What became of a <see cref="IJournalingTransport.StartAsync"/>.</summary>
internal enum DelegatedOutcome
{
    /// <summary>Nobody took it (no daemon, another build, another journal): nothing of it is journaled; start it here.</summary>
    NotTaken,

    /// <summary>Launched and journaled; <see cref="DelegatedStart.Reply"/> is what the runner printed for the launch.</summary>
    Launched,

    /// <summary>The daemon may have journaled it and stopped short (no room on its connections, or it went away): the journal decides.</summary>
    Unsettled,
}

/// <summary>The outcome of a delegated start, and the launch's reply when there is one.</summary>
internal readonly record struct DelegatedStart(DelegatedOutcome Outcome, byte[]? Reply = null)
{
    public static DelegatedStart NotTaken => new(DelegatedOutcome.NotTaken);

    public static DelegatedStart Unsettled => new(DelegatedOutcome.Unsettled);
}
