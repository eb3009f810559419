using SessionKeeper.Core.Jobs;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The runner and the wrapper read /proc/PID/stat with the shell's own `read` (no fork per poll),
/// which stops at a newline; a job may put one in its command name (/proc/PID/comm), and must
/// still be seen running, then exiting with its exact code.
/// </summary>
public sealed class ProcStatReadTests : IDisposable
{
    private readonly TempDir _state = new();

    public void Dispose() => _state.Dispose();

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_command_name_with_a_newline_is_read_whole(string shell)
    {
        var client = new JobClient(Shells.Session(shell, _state.Path));
        var id = JobId.New();
        var ready = Path.Combine(_state.Path, id + ".renamed");
        var gate = Path.Combine(_state.Path, id + ".gate");

        // The job runs until the test opens the gate, however slow the machine: no sleep to outlast.
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec($"printf 'sk\\nnl' >/proc/$$/comm; : >'{ready}'; while [ ! -e '{gate}' ]; do sleep 0.05; done; exit 7", Shell: "/bin/sh"));
        await Poll.UntilAsync(() => File.Exists(ready), "the job to rename itself");

        var running = await client.StatusAsync(id);
        Assert.Equal(JobState.Running, running.State);
        await File.WriteAllTextAsync(gate, "");
        var status = await Poll.UntilAsync(() => client.StatusAsync(id), s => s.State.IsFinished(), "the job to end");

        Assert.Equal((JobState.Exited, 7), (status.State, status.ShellExitCode));
    }
}
