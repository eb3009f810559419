using System.Text;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The run verb, run for real by dash, bash and BusyBox ash: a launch whose channel goes on as the
/// job's stream, so a short job's output and exit status come back on the channel that started it.
/// </summary>
public sealed class RunVerbScriptTests : IDisposable
{
    private readonly ShellTarget _state = new();

    public void Dispose() => _state.Dispose();

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task Run_launches_then_streams_both_outputs_and_the_exit_status_on_one_channel(string shell)
    {
        var id = JobId.New();
        var (status, stream) = await _state.Client(shell).LaunchStreamingAsync(
            id, JobCookie.New(), new JobSpec("echo out; echo err >&2; echo out2; exit 3", Shell: "/bin/sh"), spoolStdin: false, Request(id));
        using (stream)
        {
            Assert.NotNull(status.Pid);
            Assert.NotNull(status.StartTime);
            var (outputs, done) = ReadToEnd(stream.Reader);
            Assert.Equal("out\nout2\n", outputs[OutputKind.Stdout].ToString());
            Assert.Equal("err\n", outputs[OutputKind.Stderr].ToString());
            Assert.Equal(("exited", "3"), (done["state"], done["code"]));
        }
    }

    /// <summary>
    /// On the perl tier the runner's sh forks no $(umask) for the run verb: keeper.pl reads the
    /// login's umask itself before it makes anything. Either way the job directory is private and
    /// the job runs with the login's umask.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task Run_keeps_the_job_directory_private_and_gives_the_job_the_login_umask(string shell)
    {
        var id = JobId.New();
        var (_, stream) = await _state.Client(shell).LaunchStreamingAsync(
            id, JobCookie.New(), new JobSpec("umask", Shell: "/bin/sh"), spoolStdin: false, Request(id));
        using (stream)
        {
            var (outputs, done) = ReadToEnd(stream.Reader);
            var dir = _state.JobDir(id.Value);
            // Layout 2 (the POSIX tier) has a umask file; layout 3 (perl) has it in proto's fifth word.
            var loginUmask = File.Exists(Path.Combine(dir, "umask"))
                ? File.ReadAllText(Path.Combine(dir, "umask")).Trim()
                : File.ReadAllText(Path.Combine(dir, "proto")).Split(' ')[4];

            Assert.Equal("0", done["code"]);
            Assert.Matches("^0[0-7]{3}$", loginUmask);
            Assert.NotEqual("0077", loginUmask);
            Assert.Equal(loginUmask, outputs[OutputKind.Stdout].ToString().Trim());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
            foreach (var file in Directory.GetFiles(dir))
            {
                Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(file) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
            }
        }
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task The_job_gets_no_descriptor_of_the_launch_beyond_stdin_stdout_and_stderr(string shell)
    {
        // fd 3 carries the launch's "identity recorded" pipe as far as the prelude: the command must
        // never hold it (under ssh it would have 0, 1 and 2 only, and a daemon it leaves behind would
        // otherwise keep a reader waiting).
        var id = JobId.New();
        var (_, stream) = await _state.Client(shell).LaunchStreamingAsync(
            id, JobCookie.New(), new JobSpec("for n in 3 4 5 6 7 8 9; do [ -e /proc/$$/fd/$n ] && echo \"open $n\"; done; echo checked", Shell: "/bin/sh"), spoolStdin: false, Request(id));
        using (stream)
        {
            var (outputs, done) = ReadToEnd(stream.Reader);
            Assert.Equal("checked\n", outputs[OutputKind.Stdout].ToString());
            Assert.Equal("0", done["code"]);
        }
    }

    /// <summary>
    /// Where perl exists the whole call is one perl process (keeper.pl in its run mode), and sent
    /// perl-first it is the call's first process: the runner's sh execs it. The grandchild of its
    /// double fork is the detached wrapper, nobody's child in the call, known to the runner by the
    /// command line "perl DIR/keeper.pl DIR" that it writes over its own, and the process itself
    /// goes on as the stream helper, registered as itself (a successor's TERM ends it). Kill, with
    /// the wrapper alive, finds the job by that lineage.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task On_the_perl_tier_one_process_launches_and_streams_and_its_fork_is_the_wrapper(string shell)
    {
        var id = JobId.New();
        var client = _state.Client(shell);
        var (status, stream) = await client.LaunchStreamingAsync(id, JobCookie.New(), new JobSpec("sleep 300", Shell: "/bin/sh"), spoolStdin: false, Request(id));
        using (stream)
        {
            var dir = _state.JobDir(id.Value);
            var wrapper = int.Parse(File.ReadAllText(Path.Combine(dir, "wrapper")).Split(' ')[0]);
            // The helper registers once the launch's replies are out.
            var registration = Path.Combine(dir, "helpers", "test-client");
            await Poll.UntilAsync(() => File.Exists(registration), "the stream helper registered");
            var helper = int.Parse(File.ReadAllText(registration).Split(' ')[0]);

            Assert.StartsWith("3 perl ", File.ReadAllText(Path.Combine(dir, "proto")), StringComparison.Ordinal);
            Assert.Equal("perl", status.SignalReset);
            Assert.Equal(["perl", Path.Combine(dir, "keeper.pl"), dir, "run"], File.ReadAllText($"/proc/{wrapper}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(wrapper, Stat(status.Pid!.Value).Parent);
            Assert.Equal(wrapper, Stat(wrapper).Session);
            Assert.Equal("/dev/null", Link(wrapper, 0));
            Assert.Equal("/dev/null", Link(wrapper, 1));
            Assert.Equal(Path.Combine(dir, "wrapper.err"), Link(wrapper, 2));
            // The stream helper is the launcher itself, the call's first process (the runner's sh
            // exec'd it, this test started the sh); the wrapper is not its child (a process tree ended with the call's would
            // take it along), nor is anything else.
            Assert.Equal(Environment.ProcessId, Stat(helper).Parent);
            Assert.NotEqual(helper, Stat(wrapper).Parent);
            Assert.Empty(ChildrenOf(helper));
            Assert.StartsWith("perl\0-e\0", File.ReadAllText($"/proc/{helper}/cmdline"), StringComparison.Ordinal);
            // The channel's pipes (fds 0 and 1) and the words' pipe (fd 3, front.pl's first): the
            // wrapper holds none of them.
            var pipes = new[] { 0, 1, 3 }.Select(fd => Link(helper, fd)).ToList();
            Assert.All(pipes, p => Assert.StartsWith("pipe:", p, StringComparison.Ordinal));
            Assert.Empty(Directory.GetFiles($"/proc/{wrapper}/fd").Select(fd => new FileInfo(fd).LinkTarget).Intersect(pipes));

            await client.KillAsync(id, TimeSpan.FromSeconds(2));
            var (_, done) = ReadToEnd(stream.Reader);
            Assert.Equal(("killed", "15"), (done["state"], done["signal"]));
        }
    }

    /// <summary>
    /// A run sent again with the same id and cookie (its reply was lost) finds the directory: the
    /// runner's sh confirms the launch (fresh=0), nothing starts twice, and the stream is the same.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task A_run_sent_again_starts_nothing_twice_and_streams_the_same_job(string shell)
    {
        var id = JobId.New();
        var cookie = JobCookie.New();
        var counter = Path.Combine(_state.Path, "counter");
        var spec = new JobSpec($"echo x >> '{counter}'; echo hi; exit 4", Shell: "/bin/sh");
        for (var i = 0; i < 2; i++)
        {
            var (_, stream) = await _state.Client(shell).LaunchStreamingAsync(id, cookie, spec, spoolStdin: false, Request(id));
            using (stream)
            {
                var (outputs, done) = ReadToEnd(stream.Reader);
                Assert.Equal("hi\n", outputs[OutputKind.Stdout].ToString());
                Assert.Equal(("exited", "4"), (done["state"], done["code"]));
            }
        }

        Assert.Equal("x\n", File.ReadAllText(counter));
    }

    /// <summary>
    /// No watchdog process bounds a run that perl serves: its alarm does. A call whose deadline
    /// (SK_DEADLINE) passes while the job runs on ends there, and the job is not touched.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task A_run_past_its_deadline_ends_and_leaves_the_job_running(string shell)
    {
        var id = JobId.New();
        var path = Shells.Path_(shell);
        var session = new LocalShellSession(_state.Path, "setsid", path) { InterpreterPath = path, Tier = Shells.IsPosixTier(shell) ? "posix" : null };
        var launch = new LaunchRequest(id, JobCookie.New(), new JobSpec("exec tail -f /dev/null", Shell: "/bin/sh"));
        var payload = new RunRequest(launch, Request(id)).ToRunnerRequest().Set(RequestVariables.Deadline, 5).ToPayload();
        var seen = new StringBuilder();
        using (var stream = await session.OpenStreamAsync(payload))
        {
            var buffer = new byte[4096];
            int n;
            while ((n = await stream.Output.ReadAsync(buffer)) > 0)
            {
                seen.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }
        }

        var client = _state.Client(shell);
        try
        {
            Assert.Contains(" launched id=", seen.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(" done ", seen.ToString(), StringComparison.Ordinal);
            Assert.Equal(JobState.Running, (await client.StatusAsync(id)).State);
        }
        finally
        {
            await client.KillAsync(id, TimeSpan.FromSeconds(2));
        }
    }

    private static (int Parent, int Session) Stat(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[1]), int.Parse(fields[3]));
    }

    /// <summary>The live processes whose parent is <paramref name="parent"/>.</summary>
    private static List<int> ChildrenOf(int parent) =>
        [.. Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && TryStat(pid) is { Parent: var p } && p == parent)];

    private static (int Parent, int Session)? TryStat(int pid)
    {
        try
        {
            return Stat(pid);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? Link(int pid, int fd) => new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget;

    private static StreamRequest Request(JobId id) =>
        new(id, default, 1 << 20, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(60), "test-client") { Credit = false };

    private static (Dictionary<OutputKind, StringBuilder> Outputs, ReplyLine Done) ReadToEnd(StreamFrameReader reader)
    {
        var outputs = new Dictionary<OutputKind, StringBuilder> { [OutputKind.Stdout] = new(), [OutputKind.Stderr] = new() };
        while (reader.Next() is { } next)
        {
            switch (next)
            {
                case StreamEvent.Data data:
                    outputs[data.Stream].Append(Encoding.UTF8.GetString(data.Bytes.Span));
                    break;
                case StreamEvent.Reply { Line.Tag: ReplyTags.Done } done:
                    return (outputs, done.Line);
                case StreamEvent.Reply { Line.Tag: ReplyTags.Error } error:
                    throw new InvalidOperationException($"error reply: {error.Line["code"]}");
            }
        }

        throw new InvalidOperationException("the stream ended without done");
    }
}
