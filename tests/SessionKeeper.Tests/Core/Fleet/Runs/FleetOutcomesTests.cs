using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Fleet.Runs;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Tests.Core.Fleet.Runs;

public class FleetOutcomesTests
{
    [Theory]
    [InlineData(JobState.Exited, 0, FleetOutcome.Succeeded)]
    [InlineData(JobState.Exited, 3, FleetOutcome.Failed)]
    [InlineData(JobState.Killed, 137, FleetOutcome.Killed)]
    [InlineData(JobState.TimedOut, 143, FleetOutcome.TimedOut)]
    [InlineData(JobState.Lost, null, FleetOutcome.Lost)]
    public void Job_states_map_to_outcomes(JobState state, int? code, FleetOutcome expected) =>
        Assert.Equal(expected, FleetOutcomes.From(new JobStatus { Id = JobId.Parse("a"), State = state, ExitCode = code }));

    [Theory]
    [InlineData(FailureKind.Unreachable, FleetOutcome.Unreachable)]
    [InlineData(FailureKind.ConnectionLost, FleetOutcome.Unreachable)]
    [InlineData(FailureKind.AuthenticationFailed, FleetOutcome.AuthenticationRefused)]
    [InlineData(FailureKind.HostKeyRefused, FleetOutcome.HostKeyRefused)]
    public void Failures_are_told_apart_from_failed_jobs(FailureKind kind, FleetOutcome expected) =>
        Assert.Equal(expected, FleetOutcomes.From(new SessionKeeperException(kind, "x")));

    [Fact]
    public void The_exit_code_is_the_most_serious_class_present()
    {
        Assert.Equal(0, FleetOutcomes.ExitCode([]));
        Assert.Equal(0, FleetOutcomes.ExitCode([FleetOutcome.Succeeded, FleetOutcome.Succeeded]));
        Assert.Equal(1, FleetOutcomes.ExitCode([FleetOutcome.Succeeded, FleetOutcome.Failed, FleetOutcome.Killed]));
        Assert.Equal(2, FleetOutcomes.ExitCode([FleetOutcome.Failed, FleetOutcome.Lost]));
        Assert.Equal(3, FleetOutcomes.ExitCode([FleetOutcome.Lost, FleetOutcome.Unreachable, FleetOutcome.Failed]));
        Assert.Equal(3, FleetOutcomes.ExitCode([FleetOutcome.NotLaunched]));
    }

    [Fact]
    public void Not_launched_does_not_count_as_a_failure()
    {
        Assert.False(FleetOutcome.NotLaunched.IsFailure());
        Assert.False(FleetOutcome.Succeeded.IsFailure());
        Assert.True(FleetOutcome.Unreachable.IsFailure());
    }
}
