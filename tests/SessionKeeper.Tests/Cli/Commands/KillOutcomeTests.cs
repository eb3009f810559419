using SessionKeeper.Cli.Commands;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Tests.Cli.Commands;

/// <summary>
/// What `kill` says and returns once the target answered, decided on the status the runner
/// reports. Against the real sshd, KillTests makes a leader that survives the login user's SIGKILL
/// (it runs under another uid) and checks the same 245 end to end.
/// </summary>
public class KillOutcomeTests
{
    [Theory]
    [InlineData(JobState.Running)]
    [InlineData(JobState.Starting)]
    public void A_stop_that_leaves_the_job_running_exits_still_running_and_says_so(JobState state)
    {
        var (line, error, code) = KillCommand.Outcome("j1", "u@h:22", new JobStatus { Id = JobId.Parse("j1"), State = state }, "KILL", escalating: true);

        Assert.Equal(ExitCodes.StillRunning, code);
        Assert.Equal($"j1: sent SIGKILL; {state.ToWire()}.", line);
        Assert.Equal("sessionkeeper: job j1 on u@h:22 is still running after SIGKILL; see `sessionkeeper status j1`.", error);
    }

    [Fact]
    public void A_stopped_job_exits_zero()
    {
        var status = new JobStatus { Id = JobId.Parse("j1"), State = JobState.Killed, ExitCode = 143, Signal = 15 };

        Assert.Equal(("j1: sent SIGTERM; killed by signal 15 (SIGTERM).", (string?)null, 0), KillCommand.Outcome("j1", "h", status, "TERM", escalating: true));
    }

    [Fact]
    public void An_ended_job_whose_status_is_not_recorded_yet_is_stopped_not_running()
    {
        var (line, error, code) = KillCommand.Outcome("j1", "h", new JobStatus { Id = JobId.Parse("j1"), State = JobState.Ending }, "KILL", escalating: true);

        Assert.Equal(0, code);
        Assert.Null(error);
        Assert.Equal("j1: sent SIGKILL; ended, exit status not recorded yet (its wrapper on the target is stopped or starved).", line);
    }

    [Fact]
    public void One_signal_asks_for_no_stop_so_a_running_job_is_no_failure()
    {
        var (line, error, code) = KillCommand.Outcome("j1", "h", new JobStatus { Id = JobId.Parse("j1"), State = JobState.Running }, "USR1", escalating: false);

        Assert.Equal((0, (string?)null), (code, error));
        Assert.Equal("j1: sent SIGUSR1; running.", line);
    }

    [Fact]
    public void A_job_still_starting_is_not_called_stopped_and_nothing_is_claimed_sent()
    {
        var (line, error, code) = KillCommand.Outcome("j1", "h", new JobStatus { Id = JobId.Parse("j1"), State = JobState.Starting }, "none", escalating: true);

        Assert.Equal(ExitCodes.StillRunning, code);
        Assert.Equal("j1: starting (its identity is not recorded yet); no signal sent.", line);
        Assert.Equal("sessionkeeper: job j1 on h is still starting; nothing was signalled; run `sessionkeeper kill j1` again in a moment.", error);
    }

    [Fact]
    public void Nothing_to_signal_says_so()
    {
        var status = new JobStatus { Id = JobId.Parse("j1"), State = JobState.Exited, ExitCode = 0 };

        Assert.Equal(("j1: not running (exited 0); no signal sent.", (string?)null, 0), KillCommand.Outcome("j1", "h", status, "none", escalating: true));
    }
}
