using System.Globalization;
using System.Text;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// Job directory layout 3, which keeper.pl writes where it makes the directory (the run verb on the
/// perl tier, the resident launcher): the identity in one ident file, the launch's settings in
/// proto, no empty cwd, env or shell. Every verb of the runner (dash, bash, BusyBox ash) reads it as
/// it reads layout 2, which the launch verb still writes, and a layout-3 launch cut before its
/// start.lock is completed by a retried launch as layout 2.
/// </summary>
public sealed class JobDirLayout3ScriptTests : IDisposable
{
    private readonly ShellTarget _state = new();

    public void Dispose() => _state.Dispose();

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task The_run_verb_writes_layout_3_and_status_and_kill_read_it(string shell)
    {
        var id = JobId.New();
        var cookie = JobCookie.New();
        var client = _state.Client(shell);
        var (launched, stream) = await client.LaunchStreamingAsync(id, cookie, new JobSpec("sleep 300"), spoolStdin: false, Request(id));
        using (stream)
        {
            var dir = _state.JobDir(id.Value);
            await Poll.UntilAsync(() => File.Exists(Path.Combine(dir, "helpers", "test-client")), "the stream helper registered");
            Assert.Equal(
                ["cmd", "err", "exit.slot", "helpers", "ident", "out", "proto", "start.lock", "wrapper", "wrapper.err"],
                Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

            var proto = Words(Path.Combine(dir, "proto"));
            Assert.Equal(8, proto.Length);
            Assert.Equal(("3", "perl", cookie.ToString()), (proto[0], proto[1], proto[3]));
            Assert.Equal(launched.Created, DateTimeOffset.FromUnixTimeSeconds(long.Parse(proto[2], CultureInfo.InvariantCulture)));
            Assert.Matches("^0[0-7]{3}$", proto[4]);
            Assert.Equal(("0", "10", "null"), (proto[5], proto[6], proto[7]));

            var ident = Words(Path.Combine(dir, "ident"));
            Assert.Equal(7, ident.Length);
            Assert.Equal(launched.Pid?.ToString(CultureInfo.InvariantCulture), ident[0]);
            Assert.Equal(launched.Pid?.ToString(CultureInfo.InvariantCulture), ident[1]);
            Assert.Equal(launched.StartTime?.ToString(CultureInfo.InvariantCulture), ident[2]);
            Assert.Equal(File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(), ident[3]);
            Assert.Equal("perl", ident[6]);

            // The runner's sh reads the same identity back from layout 3's files.
            var status = await client.StatusAsync(id);
            Assert.Equal(JobState.Running, status.State);
            Assert.Equal(2, status.Layout);
            Assert.Equal(
                (launched.Pid, launched.ProcessGroup, launched.StartTime, launched.BootId, launched.Created, launched.SignalReset, launched.CommandPreview),
                (status.Pid, status.ProcessGroup, status.StartTime, status.BootId, status.Created, status.SignalReset, status.CommandPreview));
            Assert.Equal(launched.IgnoredAtStart, status.IgnoredAtStart);
            Assert.Equal(launched.BlockedAtStart, status.BlockedAtStart);

            await client.KillAsync(id, TimeSpan.FromSeconds(2));
            var (_, done) = ReadToEnd(stream.Reader);
            Assert.Equal(("killed", "15"), (done["state"], done["signal"]));
        }
    }

    /// <summary>
    /// ident is written once the job's identity is whole; an ident forged to name another process of
    /// the user (with that process's start time) proves nothing: while the wrapper lives only lineage
    /// counts (the run verb's wrapper proven by its command line), so kill is refused, as with
    /// layout 2's pid file forged, and neither the stranger nor the job gets a signal.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_forged_ident_naming_another_process_is_refused(string shell)
    {
        using var stranger = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("setsid", ["sleep", "300"]))!;
        try
        {
            var id = JobId.New();
            var client = _state.Client(shell);
            var (launched, stream) = await client.LaunchStreamingAsync(id, JobCookie.New(), new JobSpec("sleep 300", Shell: "/bin/sh"), spoolStdin: false, Request(id));
            using (stream)
            {
                var dir = _state.JobDir(id.Value);
                var ident = Words(Path.Combine(dir, "ident"));
                await Poll.UntilAsync(() => StartTime(stranger.Id) is not null && Session(stranger.Id) == stranger.Id, "the stranger in its own session");
                ident[0] = ident[1] = stranger.Id.ToString(CultureInfo.InvariantCulture);
                ident[2] = StartTime(stranger.Id)!;
                File.WriteAllText(Path.Combine(dir, "ident"), string.Join(' ', ident) + "\n");

                var refused = await Assert.ThrowsAsync<SessionKeeperException>(() => client.KillAsync(id, TimeSpan.FromSeconds(1)));
                Assert.Equal(FailureKind.SignalRefused, refused.Kind);
                Assert.False(stranger.HasExited);
                Assert.Equal(stranger.Id.ToString(CultureInfo.InvariantCulture), Session(stranger.Id)?.ToString(CultureInfo.InvariantCulture));
                Assert.True(File.Exists($"/proc/{launched.Pid}/stat"));
            }
        }
        finally
        {
            stranger.Kill();
            var dirs = Directory.Exists(Path.Combine(_state.Path, "sessionkeeper", "jobs")) ? Directory.GetDirectories(Path.Combine(_state.Path, "sessionkeeper", "jobs")) : [];
            foreach (var d in dirs)
            {
                if (File.Exists(Path.Combine(d, "wrapper")) && int.TryParse(File.ReadAllText(Path.Combine(d, "wrapper")).Split(' ')[0], out var w))
                {
                    KillTree(w);
                }
            }
        }
    }

    /// <summary>
    /// A layout-3 launch cut between its proto and its start.lock (only proto there): a launch sent
    /// again with the same cookie completes it as layout 2 and the job runs once; one with another
    /// cookie is a different job, refused, and nothing starts.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task A_layout_3_launch_cut_before_its_start_lock_is_completed_as_layout_2_by_the_same_cookie_only(string shell)
    {
        var id = JobId.New();
        var cookie = JobCookie.New();
        var dir = _state.JobDir(id.Value);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(dir, "proto"), $"3 perl {DateTimeOffset.UtcNow.ToUnixTimeSeconds()} {cookie} 0022 0 10 null\n");
        var counter = Path.Combine(_state.Path, "counter");
        var spec = new JobSpec($"echo x >> '{counter}'; exec sleep 300", Shell: "/bin/sh");
        var client = _state.Client(shell);

        await Assert.ThrowsAnyAsync<SessionKeeperException>(() => client.LaunchAsync(id, JobCookie.New(), spec));
        Assert.False(Directory.Exists(Path.Combine(dir, "start.lock")));

        var status = await client.LaunchAsync(id, cookie, spec);
        try
        {
            Assert.Equal(JobState.Running, status.State);
            Assert.StartsWith("2 ", File.ReadAllText(Path.Combine(dir, "proto")), StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(dir, "starttime")));
            Assert.Equal(cookie.ToString() + "\n", File.ReadAllText(Path.Combine(dir, "cookie")));
            Assert.Equal(status.Pid, (await client.LaunchAsync(id, cookie, spec)).Pid);
            await Poll.UntilAsync(() => File.Exists(counter), "the job ran");
            Assert.Equal("x\n", File.ReadAllText(counter));
        }
        finally
        {
            await client.KillAsync(id, TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>A layout-2 directory (the launch verb's) is read by the same verbs, file by file.</summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task The_launch_verb_still_writes_layout_2_and_status_reads_it(string shell)
    {
        var id = JobId.New();
        var client = _state.Client(shell);
        var launched = await client.LaunchAsync(id, JobCookie.New(), new JobSpec("sleep 300", Shell: "/bin/sh"));
        try
        {
            var dir = _state.JobDir(id.Value);
            Assert.Equal("2 perl\n", File.ReadAllText(Path.Combine(dir, "proto")));
            Assert.False(File.Exists(Path.Combine(dir, "ident")));
            Assert.Equal(launched.Pid?.ToString(CultureInfo.InvariantCulture) + "\n", File.ReadAllText(Path.Combine(dir, "pid")));
            var status = await client.StatusAsync(id);
            Assert.Equal(
                (JobState.Running, launched.Pid, launched.ProcessGroup, launched.StartTime, launched.BootId, launched.Created, launched.SignalReset),
                (status.State, status.Pid, status.ProcessGroup, status.StartTime, status.BootId, status.Created, status.SignalReset));
        }
        finally
        {
            await client.KillAsync(id, TimeSpan.FromSeconds(2));
        }
    }

    private static string[] Words(string path) => File.ReadAllText(path).Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);

    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(") ", StringComparison.Ordinal) + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? StartTime(int pid) => StatFields(pid) is { Length: > 19 } f ? f[19] : null;

    private static int? Session(int pid) => StatFields(pid) is { Length: > 3 } f ? int.Parse(f[3], CultureInfo.InvariantCulture) : null;

    private static void KillTree(int pid)
    {
        try
        {
            System.Diagnostics.Process.GetProcessById(pid).Kill(entireProcessTree: true);
        }
        catch (ArgumentException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }

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
