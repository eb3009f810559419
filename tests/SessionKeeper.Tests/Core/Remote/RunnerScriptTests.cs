using System.Diagnostics;
using System.Text;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>The runner and wrapper scripts, run for real by dash, bash and BusyBox ash.</summary>
public sealed class RunnerScriptTests : IDisposable
{
    private readonly ShellTarget _state = new();

    public void Dispose() => _state.Dispose();

    [Theory(Timeout = 120000)]
    [InlineData("dash", "exit 0", JobState.Exited, 0, null)]
    [InlineData("dash", "exit 1", JobState.Exited, 1, null)]
    [InlineData("dash", "exit 42", JobState.Exited, 42, null)]
    [InlineData("dash", "no-such-command-sk", JobState.Exited, 127, null)]
    [InlineData("dash", "exit 143", JobState.Exited, 143, null)]
    [InlineData("dash", "kill -TERM $$", JobState.Killed, 143, 15)]
    [InlineData("dash", "kill -KILL $$", JobState.Killed, 137, 9)]
    [InlineData("bash", "exit 42", JobState.Exited, 42, null)]
    [InlineData("bash", "kill -TERM $$", JobState.Killed, 143, 15)]
    [InlineData("ash", "exit 42", JobState.Exited, 42, null)]
    [InlineData("ash", "kill -KILL $$", JobState.Killed, 137, 9)]
    [InlineData("dash+posix", "exit 143", JobState.Exited, 143, null)]
    [InlineData("dash+posix", "kill -TERM $$", JobState.Killed, 143, 15)]
    [InlineData("dash+posix", "no-such-command-sk", JobState.Exited, 127, null)]
    [InlineData("bash+posix", "kill -TERM $$", JobState.Killed, 143, 15)]
    [InlineData("ash+posix", "exit 42", JobState.Exited, 42, null)]
    [InlineData("ash+posix", "kill -KILL $$", JobState.Killed, 137, 9)]
    public async Task Exit_codes_and_signals_are_reported_exactly(string shell, string command, JobState state, int code, int? signal)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec(command, Shell: "/bin/sh"));
        var status = await client.UntilFinishedAsync(id.Value);
        Assert.Equal(state, status.State);
        Assert.Equal(code, status.ShellExitCode);
        Assert.Equal(signal, status.Signal);
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task Launch_confirms_a_running_job_with_its_identity(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        var status = await client.LaunchAsync(id, JobCookie.New(), new JobSpec("sleep 30", Shell: "/bin/sh"));
        Assert.Equal(JobState.Running, status.State);
        Assert.NotNull(status.Pid);
        Assert.Equal(status.Pid, status.ProcessGroup);
        Assert.NotNull(status.StartTime);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(), status.BootId);
        var stat = File.ReadAllText($"/proc/{status.Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        Assert.Equal(status.Pid.ToString(), fields[3]); // session id: the job leads a session of its own
        await client.KillAsync(id, TimeSpan.FromSeconds(2));
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task A_retried_launch_with_the_same_cookie_never_starts_a_second_copy(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        var cookie = JobCookie.New();
        var counter = Path.Combine(_state.Path, "counter");
        var spec = new JobSpec($"echo x >> '{counter}'; sleep 30", Shell: "/bin/sh");
        var first = await client.LaunchAsync(id, cookie, spec);
        var second = await client.LaunchAsync(id, cookie, spec);
        Assert.Equal(first.Pid, second.Pid);
        var other = await Assert.ThrowsAsync<SessionKeeperException>(() => client.LaunchAsync(id, JobCookie.New(), spec));
        Assert.Contains("already exists", other.Message, StringComparison.Ordinal);

        // The launch returns once the job's process exists, not once it has run its first command:
        // on a busy machine the kill could otherwise end it before its line is written.
        await Poll.UntilAsync(() => File.Exists(counter) && File.ReadAllText(counter).Length > 0, "the job to write its line", TimeSpan.FromSeconds(20));
        await client.KillAsync(id, TimeSpan.FromSeconds(2));
        Assert.Equal(["x"], File.ReadAllLines(counter));
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task Kill_ends_the_whole_group_and_the_exit_is_still_recorded(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        var status = await client.LaunchAsync(id, JobCookie.New(), new JobSpec("trap '' TERM; sleep 300 & sleep 300 & echo ready; wait", Shell: "/bin/bash"));
        var pgid = status.ProcessGroup!.Value;

        // "ready" once TERM is ignored and both sleeps are forked: counting the group's members
        // alone let a kill on a loaded machine reach the job before its trap (TERM was enough).
        var output = _state.JobFile(id.Value, "out");
        await WaitUntil(() => File.Exists(output) && File.ReadAllText(output) == "ready\n" && GroupMembers(pgid).Count >= 3);
        var (killed, signalled) = await client.KillAsync(id, TimeSpan.FromSeconds(1));
        Assert.Equal("KILL", signalled);
        Assert.Equal(JobState.Killed, killed.State);
        Assert.Equal(9, killed.Signal);
        Assert.Empty(GroupMembers(pgid));
    }

    [Fact(Timeout = 120000)]
    public async Task Kill_with_a_cooperative_job_needs_only_term()
    {
        var client = _state.Client("dash");
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("sleep 300", Shell: "/bin/sh"));
        var (killed, signalled) = await client.KillAsync(id, TimeSpan.FromSeconds(10));
        Assert.Equal("TERM", signalled);
        Assert.Equal(15, killed.Signal);
    }

    /// <summary>The pid file names a live process that is not the job while its wrapper lives: refused.</summary>
    [Fact(Timeout = 120000)]
    public async Task A_tampered_pid_file_makes_the_job_lost_and_its_kill_refused_without_signalling_the_named_process()
    {
        var client = _state.Client("dash");
        var id = JobId.New();
        var started = await client.LaunchAsync(id, JobCookie.New(), new JobSpec("sleep 300", Shell: "/bin/sh"));
        using var bystander = Process.Start("sleep", "300");
        File.WriteAllText(_state.JobFile(id.Value, "pid"), bystander.Id + "\n");
        File.WriteAllText(_state.JobFile(id.Value, "pgid"), bystander.Id + "\n");
        var status = await client.StatusAsync(id);
        Assert.Equal(JobState.Lost, status.State);
        var refused = await Assert.ThrowsAsync<SessionKeeperException>(() => client.KillAsync(id, TimeSpan.FromSeconds(1)));
        Assert.Equal(FailureKind.SignalRefused, refused.Kind);
        Assert.Contains("nothing was sent", refused.Message, StringComparison.Ordinal);
        Assert.False(bystander.HasExited);
        bystander.Kill();
        Process.GetProcessById(started.Pid!.Value).Kill(); // the real job: its wrapper then records it and ends its keeper
    }

    [Theory(Timeout = 120000)]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("-1")]
    [InlineData("garbage")]
    [InlineData("")]
    public async Task Dangerous_pid_files_are_never_used(string content)
    {
        var client = _state.Client("dash");
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("sleep 300", Shell: "/bin/sh"));
        var real = int.Parse(File.ReadAllText(_state.JobFile(id.Value, "pid")).Trim());
        File.WriteAllText(_state.JobFile(id.Value, "pid"), content);
        File.WriteAllText(_state.JobFile(id.Value, "pgid"), content);
        var (status, signalled) = await client.KillAsync(id, TimeSpan.FromSeconds(1));
        Assert.Equal("none", signalled);
        Assert.Equal(JobState.Lost, status.State);
        Process.GetProcessById(real).Kill();
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task Command_text_working_directory_and_environment_are_stored_verbatim(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        var text = "echo 'it''s' \"$HOME\" `id -u` $(echo sub) ; true | cat & wait\nprintf '%s\\n' \"$SK_A\" \"$SK_B\" \"$PWD\" \"$SESSIONKEEPER_JOB_ID\" ! é ✓ *.none \\";
        var env = new List<KeyValuePair<string, string>> { new("SK_A", "it's \"q\" $x `y`"), new("SK_B", "line1\nline2") };
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec(text, "/tmp", env, "/bin/bash"));
        var status = await client.UntilFinishedAsync(id.Value);
        Assert.Equal(JobState.Exited, status.State);
        Assert.Equal(text, File.ReadAllText(_state.JobFile(id.Value, "cmd"), Encoding.UTF8));
        var log = File.ReadAllText(_state.JobFile(id.Value, "out"));
        Assert.Contains("it's \"q\" $x `y`\nline1\nline2\n/tmp\n" + id + "\n", log, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task The_job_directory_is_private_but_the_job_keeps_the_login_umask(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("umask", Shell: "/bin/sh"));
        await client.UntilFinishedAsync(id.Value);
        var dir = _state.JobDir(id.Value);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "env")));
        var loginUmask = File.ReadAllText(Path.Combine(dir, "umask")).Trim();
        Assert.NotEqual("0077", loginUmask);
        Assert.Equal(loginUmask, File.ReadAllText(Path.Combine(dir, "out")).Trim());
    }

    [Fact(Timeout = 120000)]
    public async Task A_missing_working_directory_starts_nothing_and_leaves_nothing()
    {
        var client = _state.Client("dash");
        var id = JobId.New();
        var error = await Assert.ThrowsAsync<SessionKeeperException>(() => client.LaunchAsync(id, JobCookie.New(), new JobSpec("true", "/no/such/dir")));
        Assert.Equal(FailureKind.InvalidInput, error.Kind);
        Assert.False(Directory.Exists(_state.JobDir(id.Value)));
    }

    [Fact(Timeout = 120000)]
    public async Task A_payload_cut_short_runs_nothing()
    {
        var request = new RunnerRequest("launch").Set("SK_ID", "cut-short").Set("SK_COOKIE", "c").Set("SK_CMD", "true")
            .Set("SK_CWD", "").Set("SK_ENVTXT", "").Set("SK_SHELL", "").Set("SK_TIMEOUT", 0).Set("SK_GRACE", 1)
            .Set("SK_WRAPPER", RunnerRequest.WrapperScript);
        var payload = request.ToPayload();
        var session = Shells.Session("dash", _state.Path);
        foreach (var cut in new[] { payload.Length / 4, payload.Length / 2, payload.Length - 3 })
        {
            var output = await session.ExecAsync(payload[..cut]);
            Assert.DoesNotContain("@@SK2", Encoding.UTF8.GetString(output), StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Path.Combine(_state.Path, "sessionkeeper")));
    }

    [Fact(Timeout = 120000)]
    public async Task Unknown_jobs_and_bad_ids_are_told_apart()
    {
        var client = _state.Client("dash");
        Assert.Equal(FailureKind.JobNotFound, (await Assert.ThrowsAsync<SessionKeeperException>(() => client.StatusAsync(JobId.Parse("nope")))).Kind);
        Assert.Equal(FailureKind.InvalidInput, (await Assert.ThrowsAsync<SessionKeeperException>(() => client.StatusAsync(JobId.Parse("../etc")))).Kind);
    }

    [Fact(Timeout = 120000)]
    public async Task Rm_refuses_a_running_job_and_removes_a_finished_one()
    {
        var client = _state.Client("dash");
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("sleep 300", Shell: "/bin/sh"));
        var refused = await Assert.ThrowsAsync<SessionKeeperException>(() => client.RemoveAsync(id));
        Assert.Contains("still running", refused.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(_state.JobDir(id.Value)));
        await client.KillAsync(id, TimeSpan.FromSeconds(2));
        await client.RemoveAsync(id);
        Assert.False(Directory.Exists(_state.JobDir(id.Value)));
    }

    [SkippableFact(Timeout = 120000)]
    public async Task A_job_directory_owned_by_someone_else_is_refused_and_untouched()
    {
        Prerequisite.Require(Environment.UserName == "root", "needs root to chown");
        var client = _state.Client("dash");
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("true", Shell: "/bin/sh"));
        await client.UntilFinishedAsync(id.Value);
        var dir = _state.JobDir(id.Value);
        Process.Start("chown", ["nobody", dir])!.WaitForExit();
        var error = await Assert.ThrowsAsync<SessionKeeperException>(() => client.RemoveAsync(id));
        Assert.Contains("not a directory owned by you", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "exit")));
    }

    [Fact(Timeout = 120000)]
    public async Task List_reports_every_job()
    {
        var client = _state.Client("dash");
        var ids = new[] { JobId.New(), JobId.New(), JobId.New() };
        foreach (var id in ids)
        {
            await client.LaunchAsync(id, JobCookie.New(), new JobSpec("exit 3", Shell: "/bin/sh"));
        }

        foreach (var id in ids)
        {
            await client.UntilFinishedAsync(id.Value);
        }

        var listed = await client.ListAsync();
        Assert.Equal(ids.Order(), listed.Select(s => s.Id).Order());
        Assert.All(listed, s => Assert.Equal(3, s.ExitCode));
    }

    [Theory(Timeout = 120000)]
    [InlineData("dash")]
    [InlineData("dash+posix")]
    public async Task A_wrapper_that_died_without_an_exit_record_makes_the_job_lost(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        var status = await client.LaunchAsync(id, JobCookie.New(), new JobSpec("sleep 300", Shell: "/bin/sh"));
        var wrapper = int.Parse(File.ReadAllText(_state.JobFile(id.Value, "wrapper")).Split(' ')[0]);
        // The wrapper's whole group (it leads its session): the wrapper and its keeper, which
        // would otherwise sleep on forever once its wrapper is gone.
        Assert.Equal(0, Tmds.Linux.LibC.kill(-wrapper, Tmds.Linux.LibC.SIGKILL));
        Process.GetProcessById(status.Pid!.Value).Kill();
        await WaitUntil(() => !File.Exists($"/proc/{wrapper}/stat") || File.ReadAllText($"/proc/{wrapper}/stat").Contains(") Z", StringComparison.Ordinal));
        var lost = await client.StatusAsync(id);
        Assert.Equal(JobState.Lost, lost.State);
    }

    [Theory(Timeout = 120000)]
    [InlineData("dash")]
    [InlineData("dash+posix")]
    public async Task A_time_limit_is_enforced_on_the_target(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("sleep 300", Shell: "/bin/sh", Timeout: TimeSpan.FromSeconds(1), Grace: TimeSpan.FromSeconds(1)));
        var status = await client.UntilFinishedAsync(id.Value);
        Assert.Equal(JobState.TimedOut, status.State);
        Assert.Equal(15, status.Signal);
    }

    private static List<int> GroupMembers(int pgid)
    {
        var members = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] != "Z" && fields[2] == pgid.ToString())
                {
                    members.Add(pid);
                }
            }
            catch (IOException)
            {
            }
        }

        return members;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(20);
        }
    }
}
