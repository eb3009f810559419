using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Journal;

/// <summary>One job as the local journal knows it: how to reach it, what it runs, what was last seen.</summary>
public sealed record JournalJob
{
    /// <summary>The job's id.</summary>
    public required JobId Id { get; init; }

    /// <summary>How to reach the job's host, as resolved at launch.</summary>
    public required JobEndpoint Endpoint { get; init; }

    /// <summary>
    /// The host as the user named it (an ssh_config alias, an inventory name, a member of a range),
    /// when that was recorded; null for jobs journaled before schema 8 or planned without a name.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>How listings, tags and summaries name the host: <see cref="Name"/>, else the endpoint's <c>user@host:port</c>.</summary>
    public string DisplayName => Name ?? Endpoint.Label;

    /// <summary>The launch's secret: a retried launch with the same id and cookie is recognised by the target and never starts the job twice.</summary>
    public required JobCookie Cookie { get; init; }

    /// <summary>What the job runs.</summary>
    public required JobSpec Spec { get; init; }

    /// <summary>How far the launch has gone, as far as this journal knows.</summary>
    public JournalPhase Phase { get; init; } = JournalPhase.Planned;

    /// <summary>Whether the job is started again when it ends.</summary>
    public RestartPolicy Restart { get; init; } = RestartPolicy.None;

    /// <summary>1 for the first run; restarts are new jobs whose <see cref="RootId"/> is the first one's id.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>The first attempt's id, for a restart; null for a first attempt.</summary>
    public JobId? RootId { get; init; }

    /// <summary>The fleet run the job belongs to, if any.</summary>
    public string? BatchId { get; init; }

    /// <summary>The state as last seen on the target (null before the first contact).</summary>
    public JobStatus? LastStatus { get; init; }

    /// <summary>
    /// The target's last answer about the job, whole, as it came (null before the first one, and for
    /// answers recorded before the journal kept them): what `status` prints of a finished job
    /// without asking again. <see cref="LastStatus"/> is the journal's own model of the same answers.
    /// </summary>
    internal JobStatus? LastAnswer { get; init; }

    /// <summary>
    /// The answer to give for this job without asking its host: its last answer, when the journal
    /// recorded its end (<see cref="JournalPhase.Finished"/>) and that answer is a final state;
    /// null when only the target can tell.
    /// </summary>
    internal JobStatus? FinalAnswer => Phase == JournalPhase.Finished && LastAnswer is { } answer && answer.State.IsFinished() ? answer : null;

    /// <summary>When the job was journaled.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the target last reported on the job.</summary>
    public DateTimeOffset? LastSeenAt { get; init; }

    /// <summary>The local copy of the job's output.</summary>
    public string? MirrorPath { get; init; }

    /// <summary>How much of the output the local copy holds: a reattach resumes at this byte.</summary>
    public long CommittedLength { get; init; }

    /// <summary>Set when a supervisor stopped while the job ran: the state must be checked again.</summary>
    public bool ToBeChecked { get; init; }

    /// <summary>Why a <see cref="JournalPhase.NotLaunched"/> or <see cref="JournalPhase.Skipped"/> job never ran.</summary>
    public string? NotLaunchedReason { get; init; }

    /// <summary>True until the job's end is recorded.</summary>
    public bool IsUnfinished => Phase != JournalPhase.Finished;

    /// <summary>Known never to have been sent to the target: only an explicit retry (or batch resume) launches it.</summary>
    public bool IsNotStarted => !Phase.MayHaveStarted();

    /// <summary>The state in one word, as listings show it: planned, launching, running, exited, to-be-checked...</summary>
    public string StateText => Phase switch
    {
        JournalPhase.Intent => "launching",
        JournalPhase.Planned => "planned",
        JournalPhase.NotLaunched => "not-launched",
        JournalPhase.Skipped => "skipped",
        JournalPhase.Finished => LastStatus?.State.ToWire() ?? "finished",
        _ when ToBeChecked => "to-be-checked",
        _ => LastStatus?.State.ToWire() ?? "running",
    };
}
