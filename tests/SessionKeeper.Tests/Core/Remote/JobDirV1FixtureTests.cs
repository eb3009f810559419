using System.Diagnostics;
using System.Text;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// Job directories of layout 1 (one <c>log</c>, stdout and stderr mixed) as the wave-1 runner
/// wrote them (Fixtures/jobdir-v1, see its README), served by today's runner under dash, bash and
/// BusyBox ash: status, <c>logs</c>, the stream, kill, rm and gc. Protocol 2 must keep every one
/// of these passing unchanged.
/// </summary>
public sealed class JobDirV1FixtureTests : IDisposable
{
    private const string FinishedId = "ujkg-hk4f-8qb8";
    private const string RunningId = "rjcr-vdkz-gbwc";
    private const string FinishedCommand = "printf 'out1\\n'; printf 'err1\\n' >&2; printf 'out2\\n'; exit 3";
    private const string FinishedLog = "out1\nerr1\nout2\n";
    private const string RunningLog = "run-out1\nrun-err1\nrun-out2\n";
    private const string RecordedBoot = "160cb2fd-445e-4a53-b6da-77a6f4f33bd4";
    private const long Created = 1796290145;

    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The empty directories both fixtures had, which git cannot keep.</summary>
    private static readonly string[] EmptyDirectories = ["start.lock", "helpers"];

    /// <summary>What the wave-1 wrapper and the job's prelude write afresh when the job starts.</summary>
    private static readonly string[] StartFiles = ["wrapper", "keeper.job", "pid", "pgid", "starttime", "boot_id", "signals"];

    private static readonly AttachOptions Follow = new()
    {
        Heartbeat = TimeSpan.FromMilliseconds(200),
        DeadAfter = TimeSpan.FromSeconds(30),
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
        ChunkBytes = 64 * 1024,
    };

    private readonly ShellTarget _state = new();

    public void Dispose() => _state.Dispose();

    public static TheoryData<string, bool> ShellsAndBoots => new()
    {
        { "dash", true }, { "dash", false }, { "bash", true }, { "bash", false }, { "ash", true }, { "ash", false },
    };

    /// <summary>As <see cref="ShellsAndBoots"/>, and each once more with the stream helper in sh.</summary>
    public static TheoryData<string, bool> TiersAndBoots => new()
    {
        { "dash", true }, { "dash", false }, { "bash", true }, { "bash", false }, { "ash", true }, { "ash", false },
        { "dash" + Shells.Posix, true }, { "dash" + Shells.Posix, false }, { "bash" + Shells.Posix, true }, { "bash" + Shells.Posix, false },
        { "ash" + Shells.Posix, true }, { "ash" + Shells.Posix, false },
    };

    private static string CurrentBoot => File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();

    private static string Fixture(string name, string file = "") => Path.Combine(AppContext.BaseDirectory, "Fixtures", "jobdir-v1", name, file);

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task Status_of_the_finished_fixture_is_exited_3_with_its_recorded_identity(string shell)
    {
        Install("finished", FinishedId);
        var client = _state.Client(shell);

        var status = await client.StatusAsync(JobId.Parse(FinishedId));

        Assert.Equal((JobState.Exited, 3, null), (status.State, status.ExitCode, status.Signal));
        Assert.Equal("exited 3", status.Describe());
        Assert.Equal(FinishedId, status.Id.Value);
        Assert.Equal((11458, 11458, 5255430L), (status.Pid, status.ProcessGroup, status.StartTime));
        Assert.Equal(RecordedBoot, status.BootId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Created), status.Created);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Created), status.Ended);
        Assert.Equal(FinishedLog.Length, status.LogSize);
        Assert.False(status.LogIncomplete);
        Assert.Equal(FinishedCommand, status.CommandPreview);
        Assert.Null(status.RawCommandPreview);
        Assert.Equal(("env", 0, 0), (status.SignalReset, status.IgnoredAtStart?.Count, status.BlockedAtStart?.Count));
        var listed = Assert.Single(await client.ListAsync());
        Assert.Equal((status.Id, status.State, status.ExitCode, status.Pid, status.StartTime, status.LogSize), (listed.Id, listed.State, listed.ExitCode, listed.Pid, listed.StartTime, listed.LogSize));
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task Logs_of_the_finished_fixture_are_its_log_bytes_in_written_order(string shell)
    {
        Install("finished", FinishedId);
        Assert.Equal(FinishedLog, File.ReadAllText(Fixture("finished", "log")));

        Assert.Equal((FinishedLog, FinishedLog.Length), await LogsAsync(shell, FinishedId));
        Assert.Equal(("out2\n", FinishedLog.Length), await LogsAsync(shell, FinishedId, tailLines: 1));
        Assert.Equal(("err1\nout2\n", FinishedLog.Length), await LogsAsync(shell, FinishedId, tailLines: 2));
        Assert.Equal((FinishedLog, FinishedLog.Length), await LogsAsync(shell, FinishedId, known: FinishedLog.Length));
        var truncated = await Assert.ThrowsAsync<SessionKeeperException>(() => LogsAsync(shell, FinishedId, known: FinishedLog.Length + 1));
        Assert.Contains("truncated or replaced", truncated.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task The_stream_of_the_finished_fixture_is_its_log_exactly_then_its_exit_record(string shell)
    {
        Install("finished", FinishedId);
        var mirrorPath = Path.Combine(_state.Path, "mirror", FinishedId + ".log");
        Directory.CreateDirectory(Path.GetDirectoryName(mirrorPath)!);
        using var mirror = LogMirror.Open(mirrorPath);
        using var output = new MemoryStream();

        var status = await new Attacher(new LocalConnector(shell, _state.Path), JobId.Parse(FinishedId), mirror, new JobStreams(output, null), default, Follow).RunAsync(null);

        Assert.Equal((JobState.Exited, 3), (status.State, status.ExitCode));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Created), status.Ended);
        Assert.Equal(await File.ReadAllBytesAsync(Fixture("finished", "log")), output.ToArray());
        Assert.Equal(output.ToArray(), await File.ReadAllBytesAsync(mirrorPath));

        // Resumed at a byte offset, as after a drop.
        using var rest = new MemoryStream();
        var resumed = await new Attacher(new LocalConnector(shell, _state.Path), JobId.Parse(FinishedId), null, new JobStreams(rest, null), new StreamOffsets(0, 0, 5), Follow).RunAsync(null);
        Assert.Equal("err1\nout2\n", Encoding.ASCII.GetString(rest.ToArray()));
        Assert.Equal(3, resumed.ExitCode);
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task Rm_removes_the_finished_fixture(string shell)
    {
        var dir = Install("finished", FinishedId);
        var client = _state.Client(shell);

        await client.RemoveAsync(JobId.Parse(FinishedId));

        Assert.False(Directory.Exists(dir));
        var again = await Assert.ThrowsAsync<SessionKeeperException>(() => client.RemoveAsync(JobId.Parse(FinishedId)));
        Assert.Equal(FailureKind.JobNotFound, again.Kind);
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task Gc_removes_the_finished_fixture_once_it_is_older_than_asked(string shell)
    {
        var dir = Install("finished", FinishedId);
        var client = _state.Client(shell);
        var age = DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(Created);

        Assert.Empty(await client.CollectGarbageAsync(age + TimeSpan.FromHours(1)));
        Assert.True(Directory.Exists(dir));

        Assert.Equal([FinishedId], (await client.CollectGarbageAsync(TimeSpan.Zero)).Select(id => id.Value));
        Assert.False(Directory.Exists(dir));
    }

    /// <summary>
    /// The running-shaped copy with nothing of it alive: what the runner derives for a job whose
    /// wrapper and job are gone, in this boot or before a reboot. Its identity is still reported,
    /// its log read whole, and the stream ends on that state.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(TiersAndBoots))]
    public async Task The_running_fixture_without_its_processes_is_lost_and_its_log_still_reads(string shell, bool sameBoot)
    {
        var dir = Install("running", RunningId);
        var boot = sameBoot ? CurrentBoot : OtherBoot();
        await File.WriteAllTextAsync(Path.Combine(dir, "boot_id"), boot + "\n");
        var reason = sameBoot ? "wrapper-gone" : "rebooted";
        var client = _state.Client(shell);

        var status = await client.StatusAsync(JobId.Parse(RunningId));

        Assert.Equal((JobState.Lost, reason), (status.State, status.LostReason));
        Assert.Equal($"lost ({reason})", status.Describe());
        Assert.Equal((11567, 11567, 5255454L, boot), (status.Pid, status.ProcessGroup, status.StartTime, status.BootId));
        Assert.Equal((RunningLog.Length, (int?)null), (status.LogSize, status.ExitCode));
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(dir, "cmd")), status.CommandPreview);
        Assert.Equal((RunningLog, RunningLog.Length), await LogsAsync(shell, RunningId));

        using var output = new MemoryStream();
        var streamed = await new Attacher(new LocalConnector(shell, _state.Path), JobId.Parse(RunningId), null, new JobStreams(output, null), default, Follow).RunAsync(null);
        Assert.Equal(RunningLog, Encoding.ASCII.GetString(output.ToArray()));
        Assert.Equal((JobState.Lost, reason), (streamed.State, streamed.LostReason));
    }

    /// <summary>Lost is final: rm removes the stale running-shaped copy, and gc does too.</summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(ShellsAndBoots))]
    public async Task Rm_and_gc_remove_the_running_fixture_without_its_processes(string shell, bool sameBoot)
    {
        var client = _state.Client(shell);
        var dir = Install("running", RunningId);
        await File.WriteAllTextAsync(Path.Combine(dir, "boot_id"), (sameBoot ? CurrentBoot : OtherBoot()) + "\n");
        await client.RemoveAsync(JobId.Parse(RunningId));
        Assert.False(Directory.Exists(dir));

        Install("running", RunningId);
        await File.WriteAllTextAsync(Path.Combine(dir, "boot_id"), (sameBoot ? CurrentBoot : OtherBoot()) + "\n");
        Assert.Equal([RunningId], (await client.CollectGarbageAsync(TimeSpan.Zero)).Select(id => id.Value));
        Assert.False(Directory.Exists(dir));
    }

    /// <summary>
    /// The running-shaped copy brought back to life by its own wave-1 wrapper.sh, as an upgrade
    /// meets a wave-1 job mid-output: running with a live identity, rm refused, gc keeps it (and
    /// takes the finished fixture beside it), <c>logs</c> and the stream read the log the old
    /// wrapper keeps appending to, a signal reaches it, and the stream ends on its exit record.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task The_running_fixture_under_its_own_wave_1_wrapper_is_served_until_it_ends(string shell)
    {
        var finishedDir = Install("finished", FinishedId);
        var dir = Install("running", RunningId);
        var client = _state.Client(shell);
        Reanimate(shell, dir);
        try
        {
            var running = await Poll.UntilAsync(() => client.StatusAsync(JobId.Parse(RunningId)), s => s.State == JobState.Running, "the re-animated job to run");
            var pid = int.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "pid")));
            Assert.Equal((pid, pid, CurrentBoot), (running.Pid, running.ProcessGroup, running.BootId));
            var log = Path.Combine(dir, "log");
            await Poll.UntilAsync(() => new FileInfo(log).Length >= 2 * RunningLog.Length, "the re-run's first output");
            Assert.Equal((RunningLog + RunningLog, 2 * RunningLog.Length), await LogsAsync(shell, RunningId));

            var refused = await Assert.ThrowsAsync<SessionKeeperException>(() => client.RemoveAsync(JobId.Parse(RunningId)));
            Assert.Contains("still running", refused.Message, StringComparison.Ordinal);
            Assert.Equal([FinishedId], (await client.CollectGarbageAsync(TimeSpan.Zero)).Select(id => id.Value));
            Assert.False(Directory.Exists(finishedDir));
            Assert.True(Directory.Exists(dir));
            Assert.Equal(JobState.Running, Assert.Single(await client.ListAsync()).State);

            using var output = new MemoryStream();
            var options = Follow with { ClientId = "fixture" };
            var stream = new Attacher(new LocalConnector(shell, _state.Path), JobId.Parse(RunningId), null, new JobStreams(output, null), default, options).RunAsync(null);
            // Its helper is up on the live job before the job is told to end.
            await Poll.UntilAsync(() => File.Exists(Path.Combine(dir, "helpers", options.ClientId)) || stream.IsCompleted, "the stream helper");
            Assert.False(stream.IsCompleted);
            var (_, signalled) = await client.SignalAsync(JobId.Parse(RunningId), "USR1");
            Assert.Equal("USR1", signalled);

            var ended = await stream;

            Assert.Equal((JobState.Exited, 5), (ended.State, ended.ExitCode));
            Assert.Equal(RunningLog + RunningLog + "run-out3\nrun-err2\n", Encoding.ASCII.GetString(output.ToArray()));
            Assert.Equal(await File.ReadAllBytesAsync(log), output.ToArray());
            var final = await client.StatusAsync(JobId.Parse(RunningId));
            Assert.Equal((JobState.Exited, 5), (final.State, final.ExitCode));
            await client.RemoveAsync(JobId.Parse(RunningId));
            Assert.False(Directory.Exists(dir));
        }
        finally
        {
            await EndQuietlyAsync(client, RunningId);
        }
    }

    /// <summary>Copies a fixture into the state home as job <paramref name="id"/>, with the modes and empty directories git cannot keep.</summary>
    private string Install(string fixture, string id)
    {
        var jobs = Path.GetDirectoryName(_state.JobDir(id))!;
        Directory.CreateDirectory(jobs);
        File.SetUnixFileMode(Path.GetDirectoryName(jobs)!, PrivateDirectory);
        File.SetUnixFileMode(jobs, PrivateDirectory);
        var dir = _state.JobDir(id);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, PrivateDirectory);
        Assert.Empty(Directory.GetDirectories(Fixture(fixture)));
        foreach (var file in Directory.GetFiles(Fixture(fixture)))
        {
            var copy = Path.Combine(dir, Path.GetFileName(file));
            File.Copy(file, copy);
            File.SetUnixFileMode(copy, PrivateFile);
        }

        foreach (var empty in EmptyDirectories)
        {
            var path = Path.Combine(dir, empty);
            Directory.CreateDirectory(path);
            File.SetUnixFileMode(path, PrivateDirectory);
        }

        return dir;
    }

    /// <summary>
    /// Starts the directory's own wrapper.sh on it as the wave-1 runner does (sk_start_wrapper),
    /// once the files the wrapper and the prelude write afresh are gone (a stale keeper.job would
    /// be taken for the new job's pid).
    /// </summary>
    private static void Reanimate(string shell, string dir)
    {
        foreach (var file in StartFiles)
        {
            File.Delete(Path.Combine(dir, file));
        }

        var interp = Shells.Path_(shell);
        var info = new ProcessStartInfo("env") { UseShellExecute = false };
        foreach (var arg in new[]
        {
            "--default-signal", "/bin/sh", "-c", "d=$1; shift; setsid \"$@\" </dev/null >>\"$d/wrapper.err\" 2>&1 &", "sh",
            dir, interp, Path.Combine(dir, "wrapper.sh"), dir, interp, Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin", "INT,QUIT",
        })
        {
            info.ArgumentList.Add(arg);
        }

        using var launcher = Process.Start(info)!;
        Assert.True(launcher.WaitForExit(10000), "the launcher did not return");
        Assert.Equal(0, launcher.ExitCode);
    }

    /// <summary>Ends what <see cref="Reanimate"/> started when a test failed before the job ended.</summary>
    private static async Task EndQuietlyAsync(JobClient client, string id)
    {
        try
        {
            if (!(await client.StatusAsync(JobId.Parse(id))).State.IsFinished())
            {
                await client.KillAsync(JobId.Parse(id), TimeSpan.FromSeconds(1));
            }
        }
        catch (SessionKeeperException)
        {
        }
    }

    private async Task<(string Text, long End)> LogsAsync(string shell, string id, int? tailLines = null, long known = 0)
    {
        await using var session = Shells.Session(shell, _state.Path);
        using var output = new MemoryStream();
        var end = await LogReader.ReadSoFarAsync(session, JobId.Parse(id), tailLines, new StreamOffsets(0, 0, known), new JobStreams(output, output), CancellationToken.None);

        // A layout-1 directory has one stream, the log.
        Assert.Equal((0L, 0L), (end.Stdout, end.Stderr));
        return (Encoding.ASCII.GetString(output.ToArray()), end.Combined);
    }

    private static string OtherBoot() => RecordedBoot != CurrentBoot ? RecordedBoot : "00000000-0000-0000-0000-000000000000";

    private sealed class LocalConnector(string shell, string stateHome) : IRemoteConnector
    {
        public string HostLabel => "local";

        public Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult<IRemoteSession>(Shells.Session(shell, stateHome, keepStreamInput: true));
    }
}
