using System.Diagnostics;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// A job starts with the signal dispositions and mask of the same command started directly (as
/// `ssh HOST CMD` starts it), not with SIGINT and SIGQUIT ignored as an asynchronous list of a
/// shell would; and a single signal reaches it on request. Run by dash, bash and BusyBox ash.
/// </summary>
public sealed class SignalDispositionScriptTests : IDisposable
{
    private const string Probe = "grep -E '^Sig(Ign|Blk):' /proc/self/status";

    private readonly ShellTarget _state = new();

    public void Dispose() => _state.Dispose();

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task The_job_gets_the_dispositions_and_mask_of_a_command_started_directly(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec(Probe, Shell: "/bin/sh"));
        var status = await client.UntilFinishedAsync(id.Value);

        Assert.Equal(JobState.Exited, status.State);
        Assert.Equal(await DirectAsync(Shells.Path_(shell)), File.ReadAllText(_state.JobFile(id.Value, "out")));
        Assert.NotNull(status.IgnoredAtStart);
        Assert.DoesNotContain("SIGINT", status.IgnoredAtStart);
        // keeper.pl resets them itself; wrapper.sh's job starts through GNU env --default-signal.
        Assert.Equal(Shells.IsPosixTier(shell) ? "env" : "perl", status.SignalReset);
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task A_signal_on_request_reaches_the_job_and_its_own_exit_code_comes_back(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("trap 'echo checkpoint; kill $! 2>/dev/null; exit 3' INT; sleep 300 & echo ready; wait", Shell: "/bin/sh"));
        var log = _state.JobFile(id.Value, "out");
        while (!File.ReadAllText(log).Contains("ready", StringComparison.Ordinal))
        {
            await Task.Delay(20);
        }

        var (_, signalled) = await client.SignalAsync(id, "INT");
        var status = await client.UntilFinishedAsync(id.Value);

        Assert.Equal("INT", signalled);
        Assert.Equal((JobState.Exited, 3), (status.State, status.ExitCode));
        Assert.Equal("ready\ncheckpoint\n", File.ReadAllText(log));
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task Sigint_ends_a_job_without_a_trap_as_killed_by_it(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("exec sleep 300", Shell: "/bin/sh"));

        var (_, signalled) = await client.SignalAsync(id, "2");
        var status = await client.UntilFinishedAsync(id.Value);

        Assert.Equal("2", signalled);
        Assert.Equal((JobState.Killed, 2, 130), (status.State, status.Signal, status.ShellExitCode));
    }

    /// <summary>The probe run as the runner itself is started: a command straight from a fresh session's dispositions.</summary>
    private static async Task<string> DirectAsync(string shell)
    {
        // From every signal at its default, as sshd starts the command (and LocalShellSession the runner).
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add("--default-signal");
        info.ArgumentList.Add(shell);
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec /bin/sh -c \"$0\"");
        info.ArgumentList.Add(Probe);
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
