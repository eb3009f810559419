using SessionKeeper.Core.Jobs;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The runner's kill against a job whose wrapper is stopped, run for real by dash, bash and
/// BusyBox ash. A class of its own beside <see cref="RunnerScriptTests"/>: each case waits out the
/// runner's own bounds (the grace, then up to five seconds for an exit record the stopped wrapper
/// cannot write), about 12 s, and xunit runs the cases of one class one after another.
/// </summary>
public sealed class StoppedWrapperScriptTests : IDisposable
{
    private readonly ShellTarget _state = new();

    public void Dispose() => _state.Dispose();

    /// <summary>
    /// A wrapper that cannot run (stopped here; starved on a loaded host) has not recorded the end
    /// of a job that did end: the job is "ending", not lost (lost is final: the journal would keep
    /// it and a restart policy would act on it), and once the wrapper runs the real status follows.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task A_job_that_ended_while_its_wrapper_is_stopped_is_ending_until_the_wrapper_records_it(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("sleep 300", Shell: "/bin/sh"));
        var wrapper = int.Parse(File.ReadAllText(_state.JobFile(id.Value, "wrapper")).Split(' ')[0]);
        Assert.Equal(0, Tmds.Linux.LibC.kill(wrapper, Tmds.Linux.LibC.SIGSTOP));
        try
        {
            var (stopped, signalled) = await client.KillAsync(id, TimeSpan.FromSeconds(1));
            Assert.Equal("TERM", signalled);
            Assert.Equal(JobState.Ending, stopped.State);
            Assert.False(stopped.State.IsFinished());
            Assert.Equal(JobState.Ending, (await client.StatusAsync(id)).State);
        }
        finally
        {
            Assert.Equal(0, Tmds.Linux.LibC.kill(wrapper, Tmds.Linux.LibC.SIGCONT));
        }

        var recorded = await client.UntilFinishedAsync(id.Value);
        Assert.Equal((JobState.Killed, 15), (recorded.State, recorded.Signal));
    }
}
