using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Tests.Core.Jobs;

/// <summary>Each state carries exactly its own data, and nothing finished passes for running.</summary>
public class JobOutcomeTests
{
    public static TheoryData<JobStatus, JobOutcome> Cases() => new()
    {
        { Status(JobState.Starting), new JobOutcome.Starting() },
        { Status(JobState.Running), new JobOutcome.Running() },
        { Status(JobState.Ending), new JobOutcome.Ending() },
        { Status(JobState.Exited, code: 0), new JobOutcome.Exited(0) },
        { Status(JobState.Exited, code: 143), new JobOutcome.Exited(143) },
        { Status(JobState.Killed, code: 143, signal: 15), new JobOutcome.Killed(15) },
        { Status(JobState.TimedOut, code: 137, signal: 9), new JobOutcome.TimedOut(137, 9) },
        { Status(JobState.TimedOut, code: 3), new JobOutcome.TimedOut(3, null) },
        { Status(JobState.Lost, reason: "rebooted"), new JobOutcome.Lost("rebooted") },
        { Status(JobState.Lost), new JobOutcome.Lost("unknown") },
        { Status(JobState.Exited), new JobOutcome.Lost("incomplete-status") },
        { Status(JobState.Killed), new JobOutcome.Lost("incomplete-status") },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_outcome_holds_the_state_and_its_own_data(JobStatus status, JobOutcome expected)
    {
        Assert.Equal(expected, status.Outcome);
        Assert.Equal(status.State.IsFinished() || expected is JobOutcome.Lost, status.Outcome.IsFinished);
    }

    [Fact]
    public void A_kill_reads_as_a_shell_would_report_it() => Assert.Equal(143, new JobOutcome.Killed(15).ShellExitCode);

    private static JobStatus Status(JobState state, int? code = null, int? signal = null, string? reason = null) =>
        new() { Id = JobId.Parse("j1"), State = state, ExitCode = code, Signal = signal, LostReason = reason };
}
