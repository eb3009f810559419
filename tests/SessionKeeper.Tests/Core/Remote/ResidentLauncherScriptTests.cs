using System.Text;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The resident launcher (the runner's serve verb, keeper.pl's serve mode), run for real by dash,
/// bash and BusyBox ash: one process that takes launch requests on its stdin and answers each
/// with the replies the runner's launch prints; the job directory's mkdir stays the key.
/// </summary>
public sealed class ResidentLauncherScriptTests : IDisposable
{
    private readonly ShellTarget _state = new();

    public void Dispose() => _state.Dispose();

    [Theory(Timeout = 30000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task Launches_answer_as_the_runners_launch_and_each_job_runs_once(string shell)
    {
        using var launcher = await StartAsync(shell, TimeSpan.FromMinutes(1));
        Assert.NotNull(launcher);
        foreach (var k in Enumerable.Range(0, 3))
        {
            var id = JobId.New();
            var counter = Path.Combine(_state.Path, "count-" + id.Value);
            var launch = Launch(id, $"echo ran >> '{counter}'; echo \"$SESSIONKEEPER_JOB_ID\"");
            var reply = Ask(launcher, launch);
            Assert.NotNull(reply);

            // The client's parser takes it as it takes the runner's: launched, then the job's status.
            var lines = ReplyParser.Parse(reply, "local");
            Assert.Equal([ReplyTags.Launched, ReplyTags.Status], lines.Select(l => l.Tag));
            Assert.Equal(id.Value, lines[0]["id"]);
            Assert.Equal("1", lines[0]["fresh"]);
            var status = StatusParser.Parse(lines[1], "local");
            Assert.NotNull(status.Pid);
            Assert.NotNull(status.StartTime);
            Assert.Equal("perl", status.SignalReset);

            await Poll.UntilAsync(() => File.Exists(_state.JobFile(id.Value, "exit")), "job " + k + " to end");
            Assert.Equal("ran\n", File.ReadAllText(counter));
            Assert.Equal(id.Value + "\n", File.ReadAllText(_state.JobFile(id.Value, "out")));
            Assert.StartsWith("v1 exited 0 0 0 ", File.ReadAllText(_state.JobFile(id.Value, "exit")), StringComparison.Ordinal);
            Assert.StartsWith("3 perl ", File.ReadAllText(_state.JobFile(id.Value, "proto")), StringComparison.Ordinal);

            // The same launch again (a retry): declined, nothing done; the runner's launch reattaches.
            Assert.Null(Ask(launcher, launch));
            Assert.Equal("ran\n", File.ReadAllText(counter));
        }
    }

    [Theory(Timeout = 30000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task The_same_job_launched_by_the_runner_and_by_the_launcher_has_the_same_settings_and_status_fields(string shell)
    {
        var byRunner = JobId.New();
        var runnerLines = ReplyParser.Parse(
            await Shells.Session(shell, _state.Path).ExecAsync(new LaunchRequest(byRunner, JobCookie.New(), Spec("sleep 30")).ToRunnerRequest().ToPayload()), "local");
        using var launcher = await StartAsync(shell, TimeSpan.FromMinutes(1));
        var byLauncher = JobId.New();
        var launcherLines = ReplyParser.Parse(Ask(launcher!, Launch(byLauncher, "sleep 30"))!, "local");

        Assert.Equal(runnerLines.Select(l => l.Tag), launcherLines.Select(l => l.Tag));
        Assert.Equal(runnerLines[1].Fields.Keys.Order(), launcherLines[1].Fields.Keys.Order());
        Assert.Equal(runnerLines[1]["state"], launcherLines[1]["state"]);
        Assert.Equal(runnerLines[1]["cmd"], launcherLines[1]["cmd"]);
        // The runner's launch writes layout 2, the launcher layout 3: the same settings, in proto.
        Assert.StartsWith("2 perl", File.ReadAllText(_state.JobFile(byRunner.Value, "proto")), StringComparison.Ordinal);
        var proto = File.ReadAllText(_state.JobFile(byLauncher.Value, "proto")).TrimEnd('\n').Split(' ');
        Assert.Equal("3", proto[0]);
        Assert.Equal(File.ReadAllText(_state.JobFile(byRunner.Value, "umask")).TrimEnd('\n'), proto[4]);
        Assert.Equal(File.ReadAllText(_state.JobFile(byRunner.Value, "limits")).TrimEnd('\n'), proto[5] + " " + proto[6]);
        Assert.Equal(File.ReadAllText(_state.JobFile(byRunner.Value, "stdin")).TrimEnd('\n'), proto[7]);
        Assert.Equal(File.ReadAllText(_state.JobFile(byRunner.Value, "cookie")).Length, proto[3].Length + 1);
        foreach (var id in new[] { byRunner, byLauncher })
        {
            var (killed, _) = await _state.Client(shell).KillAsync(id, TimeSpan.FromSeconds(5));
            Assert.NotEqual(JobState.Running, killed.State);
        }
    }

    [Theory(Timeout = 30000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task The_wrapper_is_nobodys_child_in_the_launcher_and_has_the_title_and_identity_the_runner_knows(string shell)
    {
        using var launcher = await StartAsync(shell, TimeSpan.FromMinutes(1));
        var id = JobId.New();
        var lines = ReplyParser.Parse(Ask(launcher!, Launch(id, "sleep 30"))!, "local");
        var status = StatusParser.Parse(lines[1], "local");

        // The word came after the launch's child was reaped: the wrapper (that child's child, no
        // double fork) is reparented already, and neither the launcher nor a child of it is its parent.
        var wrapper = int.Parse(File.ReadAllText(_state.JobFile(id.Value, "wrapper")).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        var parent = Field(wrapper, 1);
        Assert.DoesNotContain("serve", File.ReadAllText($"/proc/{parent}/cmdline"), StringComparison.Ordinal);
        Assert.Equal(wrapper.ToString(System.Globalization.CultureInfo.InvariantCulture), Field(status.Pid!.Value, 1));

        // Its title is the one sk_wrapper_alive matches (the launcher's command line length, read once,
        // padded with NULs); the job's boot id is the kernel's.
        var dir = Path.GetDirectoryName(_state.JobFile(id.Value, "x"))!;
        var title = File.ReadAllText($"/proc/{wrapper}/cmdline");
        var words = $"perl\0{dir}/keeper.pl\0{dir}\0serve\0";
        Assert.StartsWith(words, title, StringComparison.Ordinal);
        Assert.True(title.Length > 10000, "the title fills the launcher's arguments (its program text): " + title.Length);
        Assert.Equal(new string('\0', title.Length - words.Length), title[words.Length..]);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/random/boot_id").TrimEnd('\n'), File.ReadAllText(_state.JobFile(id.Value, "ident")).Split(' ')[3]);

        // The runner finds the wrapper alive and the job running, and ends it with its signal.
        var (killed, _) = await _state.Client(shell).KillAsync(id, TimeSpan.FromSeconds(5));
        Assert.Equal(JobState.Killed, killed.State);
        Assert.StartsWith("v1 killed 143 15 0 ", File.ReadAllText(_state.JobFile(id.Value, "exit")), StringComparison.Ordinal);
    }

    /// <summary>Field <paramref name="index"/> (0: state) of /proc/PID/stat after the command name.</summary>
    private static string Field(int pid, int index)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(") ", StringComparison.Ordinal) + 2)..].Split(' ')[index];
    }

    [Theory(Timeout = 30000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task It_ends_at_end_of_input_and_after_its_idle_time(string shell)
    {
        using (var launcher = await StartAsync(shell, TimeSpan.FromMinutes(1)))
        {
            launcher!.Channel.CloseInput();
            Assert.Null(launcher.Reader.Next());
        }

        using (var idle = await StartAsync(shell, TimeSpan.FromSeconds(1)))
        {
            // No request: gone by itself (its stdin still open).
            Assert.Null(idle!.Reader.Next());
        }
    }

    [Theory(Timeout = 30000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task Without_perl_or_on_the_posix_tier_it_refuses_and_a_bad_request_is_refused_alone(string shell)
    {
        var posix = new LocalShellSession(_state.Path, Shells.Path_(shell)) { InterpreterPath = Shells.Path_(shell), KeepStreamInput = true, Tier = "posix" };
        using (var output = await posix.OpenStreamAsync(ResidentLaunch.ServePayload(TimeSpan.FromMinutes(1))))
        {
            var reader = new Lines(output.Output);
            var all = new List<string>();
            while (reader.Next() is { } line)
            {
                all.Add(line);
            }

            Assert.Contains("@@SK2 serve none", all);
            Assert.DoesNotContain("@@SKR ready", all);
        }

        using var launcher = await StartAsync(shell, TimeSpan.FromMinutes(1));
        launcher!.Channel.Send("launch nope\n"u8);
        Assert.Equal("@@SKR malformed", launcher.Reader.Next());
        Assert.NotNull(Ask(launcher, Launch(JobId.New(), "true")));
    }

    [Fact]
    public void Only_a_plain_launch_is_taken_from_a_payload()
    {
        var id = JobId.New();
        var launch = new LaunchRequest(id, JobCookie.New(), Spec("printf '%s' \"it's\"\nexit 0"));
        var line = Encoding.ASCII.GetString(ResidentLaunch.From(launch.ToRunnerRequest().ToPayload())!.Line);
        var fields = line.TrimEnd('\n').Split(' ');
        Assert.Equal(["launch", id.Value], fields[..2]);
        Assert.Equal("printf '%s' \"it's\"\nexit 0", Encoding.UTF8.GetString(Convert.FromHexString(fields[3][1..])));

        Assert.Null(ResidentLaunch.From((launch with { Fault = "remote-after-mkdir" }).ToRunnerRequest().ToPayload()));
        Assert.Null(ResidentLaunch.From(new StatusRequest(id).ToRunnerRequest().ToPayload()));
        Assert.Null(ResidentLaunch.From(Encoding.UTF8.GetBytes("{\necho hi\nsk_main\nexit\n}\n")));
        var payload = launch.ToRunnerRequest().ToPayload();
        Assert.Null(ResidentLaunch.From(payload.AsSpan(0, payload.Length - 3)));
    }

    private static JobSpec Spec(string command) => new(command, Shell: "/bin/sh");

    private static ResidentLaunch Launch(JobId id, string command) =>
        ResidentLaunch.From(new LaunchRequest(id, JobCookie.New(), Spec(command)).ToRunnerRequest().ToPayload())!;

    /// <summary>One request: its replies as the runner would have printed them, or null when its word is not "launched".</summary>
    private static byte[]? Ask(Launcher launcher, ResidentLaunch launch)
    {
        launcher.Channel.Send(launch.Line);
        var lines = new List<string>();
        while (launcher.Reader.Next() is { } line)
        {
            if (line.StartsWith(ResidentLaunch.WordPrefix, StringComparison.Ordinal))
            {
                return ResidentLaunch.Reply(lines, line[ResidentLaunch.WordPrefix.Length..]);
            }

            lines.Add(line);
        }

        throw new InvalidOperationException("the launcher ended in a request");
    }

    private async Task<Launcher?> StartAsync(string shell, TimeSpan idle)
    {
        var output = await Shells.Session(shell, _state.Path, keepStreamInput: true).OpenStreamAsync(ResidentLaunch.ServePayload(idle));
        var reader = new Lines(output.Output);
        while (reader.Next() is { } line)
        {
            if (line == ResidentLaunch.WordPrefix + ResidentLaunch.Ready)
            {
                return new Launcher(output, reader);
            }
        }

        output.Dispose();
        return null;
    }

    private sealed record Launcher(IRemoteOutput Channel, Lines Reader) : IDisposable
    {
        public void Dispose() => Channel.Dispose();
    }

    private sealed class Lines(Stream stream)
    {
        private readonly List<byte> _pending = [];

        public string? Next()
        {
            var one = new byte[1];
            while (true)
            {
                var newline = _pending.IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    var line = Encoding.UTF8.GetString([.. _pending.Take(newline)]);
                    _pending.RemoveRange(0, newline + 1);
                    return line;
                }

                if (stream.Read(one) <= 0)
                {
                    return null;
                }

                _pending.Add(one[0]);
            }
        }
    }
}
