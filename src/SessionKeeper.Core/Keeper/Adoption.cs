using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper;

/// <summary>
/// What <see cref="JobKeeper.AdoptAsync"/> did with a process started by hand: the job that now
/// tracks it, and how much of its process group was protected from the terminal's hangup.
/// </summary>
/// <param name="Job">The journal record of the adopted job.</param>
/// <param name="Status">Its status on the target right after the adoption.</param>
/// <param name="Protection">protected (every process of its group), partial (the process, not all of its group), or unprotected (tracked only).</param>
/// <param name="Reason">
/// Why the process itself is unprotected: no-tool, unsupported-arch, yama-N, not-dumpable, setuid,
/// setgid, other-user or refused (ptrace refused for a reason the host does not tell); null when protected.
/// </param>
/// <param name="Members">How many processes its group had (every pass of the adoption counted).</param>
/// <param name="Protected">How many of them were protected.</param>
/// <param name="Foreground">True when its group was the terminal's foreground job.</param>
/// <param name="SessionLeader">True when the process leads its session (it is the login shell itself).</param>
public sealed record Adoption(JournalJob Job, JobStatus Status, string Protection, string? Reason, int Members, int Protected, bool Foreground, bool SessionLeader)
{
    /// <summary>The job's id.</summary>
    public JobId Id => Job.Id;
}

/// <summary>A process that <c>adopt</c> could take: one of the user's, with a controlling terminal.</summary>
/// <param name="Pid">Its process id.</param>
/// <param name="ProcessGroup">Its process group (a job of its shell, or the shell itself).</param>
/// <param name="Session">Its session: the login shell's process id.</param>
/// <param name="Terminal">Its terminal, as pts/N.</param>
/// <param name="Foreground">True when its group is the terminal's foreground job.</param>
/// <param name="State">Its state letter from /proc (R, S, D, T...).</param>
/// <param name="Age">How long it has run.</param>
/// <param name="Command">Its command line, arguments separated by spaces.</param>
public sealed record AdoptCandidate(int Pid, int ProcessGroup, int Session, string Terminal, bool Foreground, string State, TimeSpan? Age, string Command)
{
    /// <summary>True for the session's leader: the login shell of that terminal.</summary>
    public bool IsSessionLeader => Pid == Session;
}
