namespace SessionKeeper.Core.Jobs;

/// <summary>
/// A job's state with exactly the data that state has: an exit code only for an exit, a signal
/// only for a kill, a reason only for a lost job. <see cref="JobStatus.Outcome"/> gives it;
/// switch on it instead of reading <see cref="JobStatus"/>'s nullable fields.
/// </summary>
public abstract record JobOutcome
{
    private JobOutcome()
    {
    }

    /// <summary>True once the job can change no more.</summary>
    public abstract bool IsFinished { get; }

    /// <summary>Launched; its identity is not recorded yet.</summary>
    public sealed record Starting : JobOutcome
    {
        /// <inheritdoc/>
        public override bool IsFinished => false;
    }

    /// <summary>Running, its identity checked live.</summary>
    public sealed record Running : JobOutcome
    {
        /// <inheritdoc/>
        public override bool IsFinished => false;
    }

    /// <summary>Ended, its exit status not recorded yet (the wrapper is stopped or starved).</summary>
    public sealed record Ending : JobOutcome
    {
        /// <inheritdoc/>
        public override bool IsFinished => false;
    }

    /// <summary>Ended with an exit code.</summary>
    /// <param name="Code">0-255, as <c>ssh HOST CMD</c> would give it.</param>
    public sealed record Exited(int Code) : JobOutcome
    {
        /// <inheritdoc/>
        public override bool IsFinished => true;
    }

    /// <summary>Ended by a signal.</summary>
    /// <param name="Signal">The signal's number, 1-64.</param>
    public sealed record Killed(int Signal) : JobOutcome
    {
        /// <summary>What a shell reports for it: 128 + the signal.</summary>
        public int ShellExitCode => 128 + Signal;

        /// <inheritdoc/>
        public override bool IsFinished => true;
    }

    /// <summary>Stopped at its time limit: TERM, then KILL after the grace period.</summary>
    /// <param name="ShellExitCode">Its exit code, or 128 + the signal that ended it.</param>
    /// <param name="Signal">The signal that ended it, or null when it exited by itself after the TERM.</param>
    public sealed record TimedOut(int ShellExitCode, int? Signal) : JobOutcome
    {
        /// <inheritdoc/>
        public override bool IsFinished => true;
    }

    /// <summary>An adopted job that is gone: it was not started by SessionKeeper, so its exit status is unknown for good.</summary>
    /// <param name="Reason">Why no status: exit-status-unknown-adopted.</param>
    public sealed record Ended(string Reason) : JobOutcome
    {
        /// <inheritdoc/>
        public override bool IsFinished => true;
    }

    /// <summary>Gone without a record of how it ended: its exit status is unknown.</summary>
    /// <param name="Reason">Why: rebooted, wrapper-gone, identity-mismatch, never-started, tampered-FILE...</param>
    public sealed record Lost(string Reason) : JobOutcome
    {
        /// <inheritdoc/>
        public override bool IsFinished => true;
    }
}
