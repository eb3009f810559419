using System.Diagnostics;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The fast tier's wrapper (keeper.pl), started where perl exists unless the request says
/// SK_TIER=posix: it is the job's parent and reaps it itself, holds nothing of the launch's
/// channel, and sleeps in select while the job runs. The verbs' results through it are proven by
/// the other script tests, which run both tiers.
/// </summary>
public sealed partial class KeeperScriptTests : IDisposable
{
    private readonly ShellTarget _state = new();

    public void Dispose() => _state.Dispose();

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task The_perl_wrapper_is_the_jobs_parent_in_a_session_of_its_own_and_holds_nothing_of_the_channel(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        var status = await client.LaunchAsync(id, JobCookie.New(), new JobSpec("sleep 300", Shell: "/bin/sh"));
        var dir = _state.JobDir(id.Value);
        var wrapper = int.Parse(File.ReadAllText(Path.Combine(dir, "wrapper")).Split(' ')[0]);

        Assert.Equal("2 perl\n", File.ReadAllText(Path.Combine(dir, "proto")));
        Assert.False(File.Exists(Path.Combine(dir, "wrapper.sh")));
        Assert.Equal(wrapper, Stat(status.Pid!.Value).Parent);
        Assert.Equal(wrapper, Stat(wrapper).Session);
        Assert.Equal("/dev/null", Link(wrapper, 0));
        Assert.Equal("/dev/null", Link(wrapper, 1));
        Assert.Equal(Path.Combine(dir, "wrapper.err"), Link(wrapper, 2));
        Assert.Equal("perl", status.SignalReset);

        await client.KillAsync(id, TimeSpan.FromSeconds(2));
        Assert.Equal(JobState.Killed, (await client.UntilFinishedAsync(id.Value)).State);
    }

    [Theory(Timeout = 120000)]
    [InlineData("dash+posix")]
    [InlineData("ash+posix")]
    public async Task Sk_tier_posix_keeps_the_sh_wrapper_and_its_keeper(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        var status = await client.LaunchAsync(id, JobCookie.New(), new JobSpec("sleep 300", Shell: "/bin/sh"));
        var dir = _state.JobDir(id.Value);
        var wrapper = int.Parse(File.ReadAllText(Path.Combine(dir, "wrapper")).Split(' ')[0]);

        Assert.Equal("2 sh\n", File.ReadAllText(Path.Combine(dir, "proto")));
        Assert.False(File.Exists(Path.Combine(dir, "keeper.pl")));
        Assert.Equal(wrapper, Stat(Stat(status.Pid!.Value).Parent).Parent); // the keeper in between

        await client.KillAsync(id, TimeSpan.FromSeconds(2));
    }

    /// <summary>
    /// A perl that cannot compile keeper.pl (older than it needs) starts nothing and prints
    /// nothing; a target without perl never runs it: either way the sh wrapper starts the job,
    /// once, and the launch reports it running.
    /// </summary>
    [Theory(Timeout = 120000)]
    [InlineData("dash", RequestVariables.Keeper, "use 5.999;\n")]
    [InlineData("ash", RequestVariables.Keeper, "use 5.999;\n")]
    [InlineData("dash", RequestVariables.Fault, "remote-no-perl")]
    public async Task Without_a_usable_perl_the_sh_wrapper_starts_the_job_once(string shell, string variable, string value)
    {
        var id = JobId.New();
        var counter = Path.Combine(_state.Path, "counter");
        var request = new LaunchRequest(id, JobCookie.New(), new JobSpec($"echo x >> '{counter}'; exec sleep 300", Shell: "/bin/sh")).ToRunnerRequest().Set(variable, value);
        var replies = ReplyParser.Parse(await Shells.Session(shell, _state.Path).ExecAsync(request.ToPayload()), "local");
        var dir = _state.JobDir(id.Value);

        Assert.Contains(replies, r => r.Tag == "status" && r.Fields.GetValueOrDefault("state") == "running");
        Assert.True(File.Exists(Path.Combine(dir, "wrapper.sh")));
        Assert.Equal("2 sh\n", File.ReadAllText(Path.Combine(dir, "proto")));
        var client = _state.Client(shell);
        await Poll.UntilAsync(() => File.Exists(counter), "the job to start");
        await client.KillAsync(id, TimeSpan.FromSeconds(2));
        Assert.Equal(["x"], File.ReadAllLines(counter));
        Assert.Equal(JobState.Killed, (await client.UntilFinishedAsync(id.Value)).State);
    }

    /// <summary>
    /// On an architecture whose system call numbers keeper.pl does not carry, it loads POSIX for
    /// setsid, the signal mask and _exit. The test runs that branch here by sending a keeper.pl
    /// whose table lookup finds nothing: the job still gets a session of its own, no signal
    /// blocked, its stdin from the spool (on fd 0), and its exit status recorded by its parent.
    /// </summary>
    [Theory(Timeout = 120000)]
    [InlineData("dash")]
    [InlineData("ash")]
    public async Task Without_known_system_call_numbers_keeper_pl_does_the_same_through_posix(string shell)
    {
        // The ELF machine read as none known (0).
        const string Lookup = "? unpack('v', substr($elf, 18, 2)) : 0;";
        Assert.Contains(Lookup, RunnerRequest.KeeperScript, StringComparison.Ordinal);
        var keeper = RunnerRequest.KeeperScript.Replace(Lookup, "? 0 : 0;", StringComparison.Ordinal);
        var id = JobId.New();
        var spec = new JobSpec("read line; echo \"$line\"; grep -E '^SigBlk' /proc/self/status; ps -o sid= -p $$; exit 3", Shell: "/bin/sh");
        var request = new LaunchRequest(id, JobCookie.New(), spec) { SpoolStdin = true }.ToRunnerRequest().Set(RequestVariables.Keeper, keeper);
        var dir = _state.JobDir(id.Value);
        var replies = ReplyParser.Parse(await Shells.Session(shell, _state.Path).ExecAsync(request.ToPayload()), "local");
        var status = replies.Single(r => r.Tag == "status");
        var pid = int.Parse(status.Fields["pid"], System.Globalization.CultureInfo.InvariantCulture);

        await File.WriteAllTextAsync(Path.Combine(dir, "in"), "fed\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "in.eof"), "4\n");
        var finished = await _state.Client(shell).UntilFinishedAsync(id.Value);

        Assert.Equal("2 perl\n", File.ReadAllText(Path.Combine(dir, "proto")));
        Assert.Equal((JobState.Exited, 3), (finished.State, finished.ExitCode));
        var output = File.ReadAllLines(Path.Combine(dir, "out"));
        Assert.Equal("fed", output[0]);
        Assert.Equal("SigBlk:\t0000000000000000", output[1]);
        Assert.Equal(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), output[2].Trim());
    }

    /// <summary>
    /// While the job runs silently the wrapper makes no system call at all but the wait4 it blocks
    /// in (no --timeout, no stdin to feed: nothing else to watch), which returns once, when the job
    /// ends, with its raw status. strace follows the wrapper alone; the job waits for a file the
    /// test creates once strace is attached, so the silent stretch is real however slow the
    /// machine is.
    /// </summary>
    [Theory(Timeout = 120000)]
    [InlineData("dash")]
    [InlineData("ash")]
    public async Task A_silent_job_wakes_its_wrapper_once_when_it_ends(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        var go = Path.Combine(_state.Path, "go");
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec($"while [ ! -e '{go}' ]; do sleep 0.05; done; exit 7", Shell: "/bin/sh"));
        var wrapper = int.Parse(File.ReadAllText(_state.JobFile(id.Value, "wrapper")).Split(' ')[0]);
        var log = Path.Combine(_state.Path, "strace.log");
        var info = new ProcessStartInfo("strace", ["-qq", "-o", log, "-p", wrapper.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var strace = Process.Start(info)!;
        try
        {
            // strace writes the call it attached in (wait4, unfinished) as soon as it traces.
            await Poll.UntilAsync(() => File.Exists(log) && File.ReadAllText(log).Contains("wait4(", StringComparison.Ordinal), "strace to attach to the wrapper");
            await File.WriteAllTextAsync(go, "");
            var status = await client.UntilFinishedAsync(id.Value);
            Assert.Equal((JobState.Exited, 7), (status.State, status.ExitCode));
            await strace.WaitForExitAsync();
        }
        finally
        {
            if (!strace.HasExited)
            {
                strace.Kill();
            }
        }

        var calls = File.ReadAllLines(log);
        // The wait4 it was attached in, blocking (options 0, no WNOHANG), returned the job's exit
        // when it ended: no other wait, no tick, no second wait4.
        Assert.True(calls.Length > 0, "nothing traced");
        Assert.Matches(@"^wait4\(\d+, \[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 7\}\], 0, NULL\) = \d+$", calls[0]);
        Assert.DoesNotContain(calls, c => WaitCall().IsMatch(c));
        Assert.Single(calls, c => c.StartsWith("wait4(", StringComparison.Ordinal));
    }

    /// <summary>
    /// A job that ignores SIGTERM past its time limit gets SIGKILL after the grace period, from its
    /// parent. The limit leaves the job's shell time to reach its trap on a starved machine: a
    /// TERM before it (a 1 s limit at load 33 once) ends the job as a TERM should, which is not
    /// what this test is about.
    /// </summary>
    [Theory(Timeout = 120000)]
    [InlineData("dash")]
    [InlineData("dash+posix")]
    public async Task A_job_ignoring_term_past_its_time_limit_is_killed_after_the_grace(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("trap '' TERM; sleep 300", Shell: "/bin/sh", Timeout: TimeSpan.FromSeconds(8), Grace: TimeSpan.FromSeconds(1)));
        var status = await client.UntilFinishedAsync(id.Value);
        Assert.Equal((JobState.TimedOut, 9), (status.State, status.Signal));
    }

    private static (int Parent, int Session) Stat(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[1]), int.Parse(fields[3]));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(pselect6|select|poll|ppoll|nanosleep|clock_nanosleep|epoll_wait|epoll_pwait2?)\(")]
    private static partial System.Text.RegularExpressions.Regex WaitCall();

    private static string? Link(int pid, int fd) => new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget;
}
