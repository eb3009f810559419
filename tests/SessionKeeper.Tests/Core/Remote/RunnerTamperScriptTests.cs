using System.Diagnostics;
using System.Text;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// A job directory tampered with on the target (FIFOs, symlinks, forged records, state files with
/// odd text) and calls stuck there: the runner run for real by dash, bash and BusyBox ash.
/// </summary>
public sealed class RunnerTamperScriptTests : IDisposable
{
    private readonly ShellTarget _state = new();

    public void Dispose() => _state.Dispose();

    private async Task<string> FinishedJobAsync(JobClient client, string command = "echo out; exit 3")
    {
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec(command, Shell: "/bin/sh"));
        await client.UntilFinishedAsync(id.Value);
        return id.Value;
    }

    public static TheoryData<string, string> ForgedRecords()
    {
        var data = new TheoryData<string, string>();
        foreach (var shell in new[] { "dash", "bash", "ash" })
        {
            foreach (var record in new[]
            {
                "v1 killed 0 999 0 1700000000", "v1 exited 300 0 0 1700000000", "v1 killed 137 15 0 1700000000",
                "v1 exited 3 9 0 1700000000", "v1 killed 128 0 0 1700000000", "v1 exited 03 0 0 1700000000",
                "v1 exited 3 0 2 1700000000", "v1 exited -1 0 0 1700000000", "v1 exited 3 0 0", "v1 exited 3 0 0 1700000000 extra",
                "v2 exited 3 0 0 1700000000", "garbage", "",
            })
            {
                data.Add(shell, record);
            }
        }

        return data;
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(ForgedRecords))]
    public async Task A_forged_exit_record_is_reported_as_malformed_never_as_an_exit_status(string shell, string record)
    {
        var client = _state.Client(shell);
        var id = await FinishedJobAsync(client);
        File.WriteAllText(_state.JobFile(id, "exit"), record + "\n");

        var status = await client.StatusAsync(JobId.Parse(id));

        Assert.Equal(JobState.Lost, status.State);
        Assert.Equal(StatusParser.MalformedExitRecord, status.LostReason);
        Assert.Null(status.ShellExitCode);
        Assert.Equal("lost (malformed exit record)", status.Describe());
    }

    [Theory(Timeout = 120000)]
    [InlineData("dash", "v1 exited 255 0 0 1700000000", JobState.Exited, 255)]
    [InlineData("dash", "v1 killed 192 64 0 1700000000", JobState.Killed, 192)]
    [InlineData("ash", "v1 killed 129 1 1 1700000000", JobState.TimedOut, 129)]
    [InlineData("bash", "v1 exited 0 0 1 1700000000", JobState.TimedOut, 0)]
    public async Task Records_at_the_edges_of_the_ranges_are_accepted(string shell, string record, JobState state, int code)
    {
        var client = _state.Client(shell);
        var id = await FinishedJobAsync(client);
        File.WriteAllText(_state.JobFile(id, "exit"), record + "\n");
        var status = await client.StatusAsync(JobId.Parse(id));
        Assert.Equal((state, code), (status.State, status.ShellExitCode));
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_fifo_as_the_stdout_file_is_refused_at_once_by_status_and_stream(string shell)
    {
        var client = _state.Client(shell);
        var id = await FinishedJobAsync(client);
        File.Delete(_state.JobFile(id, "out"));
        MakeFifo(_state.JobFile(id, "out"));

        var status = await Assert.ThrowsAsync<SessionKeeperException>(() => client.StatusAsync(JobId.Parse(id)));
        Assert.Equal(FailureKind.RemoteError, status.Kind);
        Assert.Contains("'out' in the job directory", status.Message, StringComparison.Ordinal);
        Assert.Contains("not a regular file", status.Message, StringComparison.Ordinal);

        var output = await Stream(shell, id, known: 0);
        Assert.Contains("@@SK2 error code=tampered-out", output, StringComparison.Ordinal);

        // ps names the job and goes on with the others.
        var listed = Assert.Single(await client.ListAsync());
        Assert.Equal((JobState.Lost, "tampered-out"), (listed.State, listed.LostReason));
    }

    /// <summary>
    /// The layout file decides how a directory is read: one that is not a regular file is refused
    /// like any tampered file, one that names a later layout is refused with the advice to upgrade,
    /// and neither is read further (ps names them and goes on).
    /// </summary>
    [Theory(Timeout = 120000)]
    [InlineData("dash", "fifo", "tampered-proto")]
    [InlineData("ash", "4 perl", "newer-layout")]
    [InlineData("bash", "junk", "tampered-proto")]
    public async Task A_layout_file_that_is_not_layout_2_or_3_is_refused(string shell, string proto, string code)
    {
        var client = _state.Client(shell);
        var id = await FinishedJobAsync(client);
        File.Delete(_state.JobFile(id, "proto"));
        if (proto == "fifo")
        {
            MakeFifo(_state.JobFile(id, "proto"));
        }
        else
        {
            await File.WriteAllTextAsync(_state.JobFile(id, "proto"), proto + "\n");
        }

        var status = await Assert.ThrowsAsync<SessionKeeperException>(() => client.StatusAsync(JobId.Parse(id)));
        Assert.Equal(code, status.RemoteCode);
        if (code == "newer-layout")
        {
            Assert.Contains("started by a newer sessionkeeper", status.Message, StringComparison.Ordinal);
        }

        var output = await Stream(shell, id, known: 0);
        Assert.Contains($"@@SK2 error code={code}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("@@SKD", output, StringComparison.Ordinal);
        var listed = Assert.Single(await client.ListAsync());
        Assert.Equal((JobState.Lost, code), (listed.State, listed.LostReason));
    }

    [Theory(Timeout = 120000)]
    [InlineData("dash", "out")]
    [InlineData("ash", "err")]
    [InlineData("bash", "proto")]
    [InlineData("dash", "exit")]
    [InlineData("bash", "exit")]
    [InlineData("dash", "pid")]
    [InlineData("ash", "starttime")]
    public async Task A_symlinked_state_file_is_never_followed(string shell, string name)
    {
        var client = _state.Client(shell);
        var id = await FinishedJobAsync(client);
        var file = _state.JobFile(id, name);
        var target = Path.Combine(_state.Path, "elsewhere");
        File.Copy(file, target);
        File.Delete(file);
        File.CreateSymbolicLink(file, target);

        var error = await Assert.ThrowsAsync<SessionKeeperException>(() => client.StatusAsync(JobId.Parse(id)));
        Assert.Contains($"'{name}' in the job directory", error.Message, StringComparison.Ordinal);
        var output = await Stream(shell, id, known: 0);
        Assert.Contains($"@@SK2 error code=tampered-{name}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("@@SKD", output, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_log_shorter_than_what_the_client_already_has_is_refused(string shell)
    {
        var client = _state.Client(shell);
        var id = await FinishedJobAsync(client);
        var size = new FileInfo(_state.JobFile(id, "out")).Length;
        Assert.Contains("@@SK2 caught", await Stream(shell, id, known: size), StringComparison.Ordinal);
        Assert.Contains("@@SK2 error code=log-truncated", await Stream(shell, id, known: size + 1), StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 9 item 15: a state file holding text with spaces ("123; touch /tmp/x") made the job's
    /// identity check fail, the kill went through the cookie fallback, and then the status reply
    /// echoed that text as reply fields: "malformed reply: field 'touch'" (250) after a kill that
    /// had in fact worked.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_kill_through_the_cookie_with_a_garbled_pid_file_reports_what_happened(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        var launched = await client.LaunchAsync(id, JobCookie.New(), new JobSpec("sleep 300", Shell: "/bin/sh"));
        var pid = launched.Pid!.Value;
        File.WriteAllText(_state.JobFile(id.Value, "starttime"), $"{launched.StartTime}; touch {_state.Path}/x state=exited code=0\n");
        File.WriteAllText(_state.JobFile(id.Value, "boot_id"), "x y=z\n");

        var (status, signalled) = await client.KillAsync(id, TimeSpan.FromSeconds(5));

        Assert.Equal("TERM", signalled);
        Assert.Equal((JobState.Killed, 15), (status.State, status.Signal));
        Assert.Equal(pid, status.Pid);
        Assert.Null(status.StartTime);
        Assert.Null(status.BootId);
        Assert.False(File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z", StringComparison.Ordinal));
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_call_stuck_on_the_target_is_ended_by_its_own_deadline_with_everything_it_started(string shell)
    {
        // sshd gives each call a process group of its own; setsid stands for it here.
        var path = Shells.Path_(shell);
        var session = new LocalShellSession(_state.Path, "setsid", path) { InterpreterPath = path };
        var request = new RunnerRequest("list").Set("SK_FAULT", "remote-stuck").Set("SK_DEADLINE", 1);

        var output = await session.ExecAsync(request.ToPayload()).WaitAsync(TimeSpan.FromSeconds(25));

        // The stuck command held the call's stdout: the call could only return once it was killed.
        Assert.DoesNotContain("@@SK2 end", Encoding.UTF8.GetString(output), StringComparison.Ordinal);
        await UntilNoSleepAsync("the stuck command outlived its call");
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_call_that_ends_in_time_leaves_no_watchdog_behind(string shell)
    {
        var path = Shells.Path_(shell);
        var session = new LocalShellSession(_state.Path, "setsid", path) { InterpreterPath = path };
        var client = new JobClient(session);
        Assert.Empty(await client.ListAsync());
        await UntilNoSleepAsync("the watchdog outlived its call");
    }

    /// <summary>
    /// A client that goes away mid-stream (its channel closed) makes the runner's next write fail
    /// with SIGPIPE. The runner still ends its watchdog: dying of the signal would skip the EXIT
    /// trap and leave the watchdog's sleep behind for the whole deadline (2 of 100 hosts of a
    /// fleet run, where the client closes its channel as soon as it has the exit code).
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task A_call_whose_reader_is_gone_leaves_no_watchdog_behind(string shell)
    {
        var client = _state.Client(shell);
        var id = JobId.New();
        // Not a sleep: the check below looks for sleeps started for this state directory.
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("exec tail -f /dev/null", Shell: "/bin/sh"));
        try
        {
            await StreamThenGoAwayAsync(shell, id);
        }
        finally
        {
            await client.KillAsync(id, TimeSpan.FromSeconds(2));
        }
    }

    private async Task StreamThenGoAwayAsync(string shell, JobId id)
    {
        var path = Shells.Path_(shell);
        var session = new LocalShellSession(_state.Path, "setsid", path) { InterpreterPath = path, Tier = Shells.IsPosixTier(shell) ? "posix" : null };
        var request = new StreamRequest(id, default, 1 << 20, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(60), "t") { Known = new StreamOffsets(0, 0, 0) };
        using (var stream = await session.OpenStreamAsync(request.ToRunnerRequest().ToPayload()))
        {
            // The stream's reply: the runner, its watchdog and the helper all run; then the
            // client is gone, and the helper's next heartbeat finds the channel closed.
            var seen = new StringBuilder();
            var buffer = new byte[4096];
            while (!seen.ToString().Contains(" stream id=", StringComparison.Ordinal))
            {
                var n = await stream.Output.ReadAsync(buffer);
                Assert.True(n > 0, "the stream ended before its reply: " + seen);
                seen.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }

            stream.Output.Dispose();
            // The sh wrapper's own never-reaping sleep lives in the job's session, as long as the job.
            var wrapperSession = File.ReadAllText(_state.JobFile(id.Value, "wrapper")).Split(' ')[0];
            await UntilNoSleepAsync("the watchdog outlived a call whose client was gone", exceptSession: wrapperSession);
        }
    }

    /// <summary>No live sleep started for this test's state directory (the watchdog's default deadline is minutes).</summary>
    private async Task UntilNoSleepAsync(string failure, string? exceptSession = null)
    {
        var marker = "XDG_STATE_HOME=" + _state.Path;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (Process.GetProcessesByName("sleep").Any(p => !IsZombie(p.Id) && Environ(p.Id).Contains(marker, StringComparison.Ordinal) && SessionOf(p.Id) != exceptSession))
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(20);
        }
    }

    /// <summary>The session id of a process (field 6 of /proc/PID/stat), or null once it is gone.</summary>
    private static string? SessionOf(int pid) => Read($"/proc/{pid}/stat") is { Length: > 0 } stat && stat[(stat.LastIndexOf(") ", StringComparison.Ordinal) + 2)..].Split(' ') is { Length: > 4 } f ? f[3] : null;

    private static bool IsZombie(int pid) => Read($"/proc/{pid}/stat") is var stat && stat.Contains(") Z", StringComparison.Ordinal);

    /// <summary>
    /// The stream verb's output, asked of both tiers of the helper (perl, then sh with SK_TIER=posix):
    /// they must say the same, apart from the tier each names in its stream reply.
    /// </summary>
    private async Task<string> Stream(string shell, string id, long known)
    {
        var fast = await StreamTier(shell, id, known, null);
        var posix = await StreamTier(shell, id, known, "posix");
        Assert.Equal(posix.Replace(" tier=sh", "", StringComparison.Ordinal), fast.Replace(" tier=perl", "", StringComparison.Ordinal));
        return fast;
    }

    private async Task<string> StreamTier(string shell, string id, long known, string? tier)
    {
        var request = new StreamRequest(JobId.Parse(id), default, 1 << 20, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), "t")
        {
            Once = true,
            Known = new StreamOffsets(known, 0, 0),
            Tier = tier,
        };
        return Encoding.UTF8.GetString(await Shells.Session(shell, _state.Path).ExecAsync(request.ToRunnerRequest().ToPayload()));
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path])!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    private static string Environ(int pid) => Read($"/proc/{pid}/environ");

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path).Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
