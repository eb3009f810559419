using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Journal;

/// <summary>One job as the local journal knows it: how to reach it, what it runs, what was last seen.</summary>
public sealed record JournalJob
{
    public required string Id { get; init; }

    public required JobEndpoint Endpoint { get; init; }

    public required string Cookie { get; init; }

    public required JobSpec Spec { get; init; }

    public JournalPhase Phase { get; init; } = JournalPhase.Planned;

    public RestartPolicy Restart { get; init; } = RestartPolicy.None;

    /// <summary>1 for the first run; restarts are new jobs whose <see cref="RootId"/> is the first one's id.</summary>
    public int Attempt { get; init; } = 1;

    public string? RootId { get; init; }

    public string? BatchId { get; init; }

    /// <summary>The state as last seen on the target (null before the first contact).</summary>
    public JobStatus? LastStatus { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? LastSeenAt { get; init; }

    public string? MirrorPath { get; init; }

    public long CommittedLength { get; init; }

    /// <summary>Set when a supervisor stopped while the job ran: the state must be checked again.</summary>
    public bool ToBeChecked { get; init; }

    /// <summary>Why a <see cref="JournalPhase.NotLaunched"/> or <see cref="JournalPhase.Skipped"/> job never ran.</summary>
    public string? NotLaunchedReason { get; init; }

    public bool IsUnfinished => Phase != JournalPhase.Finished;

    /// <summary>Known never to have been sent to the target: only an explicit retry (or batch resume) launches it.</summary>
    public bool IsNotStarted => !Phase.MayHaveStarted();

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
