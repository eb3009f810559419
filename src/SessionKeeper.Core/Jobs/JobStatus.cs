namespace SessionKeeper.Core.Jobs;

/// <summary>A job as reported by the target in one round trip.</summary>
public sealed record JobStatus
{
    /// <summary>The job's id.</summary>
    public required JobId Id { get; init; }

    /// <summary>The state, derived on the target from the job's files and live identity.</summary>
    public required JobState State { get; init; }

    /// <summary>The exit code (0-255) when exited; 128+N when killed by signal N.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The signal that ended the job, when killed or timed out.</summary>
    public int? Signal { get; init; }

    /// <summary>Why the job is lost: rebooted, wrapper-gone, identity-mismatch, never-started...</summary>
    public string? LostReason { get; init; }

    /// <summary>The disk on the target was full when the job ended: its log lacks what could not be written.</summary>
    public bool LogIncomplete { get; init; }

    /// <summary>The job's process id (its process group and session leader).</summary>
    public int? Pid { get; init; }

    /// <summary>The job's process group, which kill signals.</summary>
    public int? ProcessGroup { get; init; }

    /// <summary>The job process's start time in clock ticks since boot (/proc/PID/stat field 22): with the boot id, its identity.</summary>
    public long? StartTime { get; init; }

    /// <summary>The target's boot id when the job started.</summary>
    public string? BootId { get; init; }

    /// <summary>When the job directory was created on the target.</summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>When the job ended, as the target recorded it.</summary>
    public DateTimeOffset? Ended { get; init; }

    /// <summary>The length of the job's output on the target, in bytes: stdout and stderr together.</summary>
    public long LogSize => StdoutSize + StderrSize;

    /// <summary>The length of the job's stdout on the target (layout 1: of its one log, both streams), in bytes.</summary>
    public long StdoutSize { get; init; }

    /// <summary>The length of the job's stderr on the target, in bytes (0 in layout 1, where it is part of the log).</summary>
    public long StderrSize { get; init; }

    /// <summary>
    /// The job directory's layout: 2 keeps stdout and stderr apart; 1 (directories of wave-1
    /// clients) has one log for both, which reaches a reader as stdout. 0 when not reported.
    /// </summary>
    public int Layout { get; init; }

    /// <summary>Risks the target reported at launch, for the user to read.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Signals the job started with ignored (its /proc SigIgn at launch); null when not recorded.</summary>
    public IReadOnlyList<string>? IgnoredAtStart { get; init; }

    /// <summary>Signals blocked in the job's mask at launch (SigBlk); null when not recorded.</summary>
    public IReadOnlyList<string>? BlockedAtStart { get; init; }

    /// <summary>What gave SIGINT/SIGQUIT back their default at launch: env, perl, python3, unneeded, or none.</summary>
    public string? SignalReset { get; init; }

    /// <summary>
    /// For a job taken over by <c>adopt</c>: how its process group was protected from the terminal's
    /// hangup (protected, partial, unprotected); null for a job SessionKeeper started.
    /// </summary>
    public string? Adopted { get; init; }

    /// <summary>Why an ended job has no exit status (exit-status-unknown-adopted); null otherwise.</summary>
    public string? EndedReason { get; init; }

    /// <summary>The first bytes of the command text.</summary>
    public string CommandPreview { get; init; } = "";

    /// <summary>Those bytes as they are, when they are not UTF-8 (<see cref="CommandPreview"/> then has U+FFFD); null otherwise.</summary>
    public byte[]? RawCommandPreview { get; init; }

    /// <summary>
    /// Derived from a stream's last word (state, exit code, sizes) rather than from the target's
    /// report: no identity, no command, no signal sets. The journal keeps it in its state columns,
    /// never as the answer `status` repeats.
    /// </summary>
    internal bool FromStreamEnd { get; init; }

    /// <summary>The state with exactly its own data (an exit code, a signal, a reason): what to switch on.</summary>
    public JobOutcome Outcome => State switch
    {
        JobState.Starting => new JobOutcome.Starting(),
        JobState.Running => new JobOutcome.Running(),
        JobState.Ending => new JobOutcome.Ending(),
        JobState.Exited when ExitCode is { } code => new JobOutcome.Exited(code),
        JobState.Killed when Signal is { } signal => new JobOutcome.Killed(signal),
        JobState.TimedOut when ShellExitCode is { } code => new JobOutcome.TimedOut(code, Signal),
        JobState.Lost => new JobOutcome.Lost(LostReason ?? "unknown"),
        JobState.Ended => new JobOutcome.Ended(EndedReason ?? "exit-status-unknown-adopted"),
        _ => new JobOutcome.Lost("incomplete-status"), // a finished state without its number: nothing to report as an exit
    };

    /// <summary>The exit code a CLI waiting for this job reports, as a shell would.</summary>
    public int? ShellExitCode => State switch
    {
        JobState.Exited => ExitCode,
        JobState.Killed or JobState.TimedOut => ExitCode ?? (Signal is { } s ? 128 + s : null),
        _ => null,
    };

    /// <summary>The state in words for a person: "exited 3", "killed by SIGTERM", "lost (rebooted)"...</summary>
    public string Describe() => State switch
    {
        JobState.Exited => $"exited {ExitCode}",
        JobState.Killed => $"killed by signal {Signal} ({SignalNames.Name(Signal ?? 0)})",
        JobState.TimedOut => $"timed out (signal {Signal}, {SignalNames.Name(Signal ?? 0)})",
        JobState.Lost when LostReason == "malformed-exit-record" => "lost (malformed exit record)",
        JobState.Lost => $"lost ({LostReason ?? "unknown"})",
        JobState.Ending => "ended, exit status not recorded yet (its wrapper on the target is stopped or starved)",
        JobState.Ended => "ended, exit status unknown (adopted)",
        JobState.Running when Adopted is "unprotected" => "running (adopted-unprotected: it dies with its terminal)",
        JobState.Running when Adopted is "partial" => "running (adopted; part of its process group unprotected)",
        JobState.Running when Adopted is not null => "running (adopted)",
        _ => State.ToWire(),
    };

    /// <summary>What the user must know beside the state, or null.</summary>
    public string? Caveat => LogIncomplete
        ? "its log is incomplete: the disk on the target was full (output written while it was full is lost)"
        : null;
}
