using System.Security.Cryptography;
using System.Text;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The stream helper's fast tier (stream.pl, run by the runner where perl exists) on job directories
/// made by hand and on launched jobs, under dash, bash and BusyBox ash: which tier serves a call,
/// exact bytes of both layouts from any offset, through cuts, across a silence, and the refusals.
/// </summary>
public sealed class StreamHelperScriptTests : IDisposable
{
    private const string Exited = "v1 exited 3 0 0 1700000000";

    private readonly TempDir _state = new();

    public void Dispose() => _state.Dispose();

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task Perl_serves_the_stream_unless_posix_is_asked_perl_is_missing_or_too_old(string shell)
    {
        var id = MakeJob(layout: 2, Bytes(1, 5000), Bytes(2, 70), Exited);

        Assert.Contains("tier=perl", StreamReply(await ExecAsync(shell, Request(id))), StringComparison.Ordinal);
        Assert.Contains("tier=sh", StreamReply(await ExecAsync(shell, Request(id) with { Tier = "posix" })), StringComparison.Ordinal);
        var noPerl = Request(id).ToRunnerRequest().Set(RequestVariables.Fault, "remote-stream-no-perl");
        Assert.Contains("tier=sh", StreamReply(await ExecAsync(shell, noPerl)), StringComparison.Ordinal);

        // A perl that cannot compile the helper (older than it needs) fails before it sends a byte:
        // the sh helper serves the call, and the client sees one stream, not two.
        var tooOld = Request(id).ToRunnerRequest().Set(RequestVariables.StreamTool, "use 5.999;\n");
        var output = await ExecAsync(shell, tooOld);
        Assert.Contains("tier=sh", StreamReply(output), StringComparison.Ordinal);
        var read = Read(output);
        Assert.Equal(["stream", "done", "end"], read.Replies.Select(r => r.Tag));
        Assert.Equal(Bytes(1, 5000), read.Out);
    }

    /// <summary>Both layouts, from the start and from offsets inside the files: exactly the bytes from there, then the exit record.</summary>
    [Theory(Timeout = 120000)]
    [InlineData("dash", 2)]
    [InlineData("bash", 1)]
    [InlineData("ash", 2)]
    [InlineData("ash", 1)]
    public async Task Every_layout_is_sent_exactly_from_any_offset_then_the_exit_record(string shell, int layout)
    {
        // Larger than one frame (1 MiB) and not a multiple of it.
        var stdout = Bytes(3, (3 << 20) + 12345);
        var stderr = layout == 2 ? Bytes(4, 300_001) : [];
        var id = MakeJob(layout, stdout, stderr, Exited);
        var random = new Random(layout);
        foreach (var (o, e) in new[] { (0L, 0L), (random.NextInt64(1, stdout.Length), layout == 2 ? random.NextInt64(1, stderr.Length) : 0), (stdout.Length, stderr.LongLength) })
        {
            var offsets = layout == 2 ? new StreamOffsets(o, e, 0) : new StreamOffsets(0, 0, o);
            var read = Read(await ExecAsync(shell, Request(id, offsets)));

            Assert.Equal(stdout[(int)o..], layout == 2 ? read.Out : read.Log);
            Assert.Equal(stderr[(int)e..], read.Err);
            var done = read.Replies.Single(r => r.Tag == ReplyTags.Done);
            Assert.Equal(($"{layout}", $"{stdout.Length}", $"{stderr.Length}"), (done["layout"], done["o"], done["e"]));
            Assert.Equal(("exited", "3", "1700000000"), (done["state"], done["code"], done["ended"]));
            Assert.True(read.MaxFrame <= 1 << 20, $"a frame of {read.MaxFrame} bytes");
        }
    }

    /// <summary>A 3 MiB log through a link cut at random bytes: the client resumes each stream at its own offset, byte-exact.</summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_link_cut_at_random_bytes_resumes_exactly(string shell)
    {
        var stdout = Bytes(5, 3 << 20);
        var stderr = Bytes(6, 200_000);
        var id = MakeJob(layout: 2, stdout, stderr, Exited);
        var connector = new FlakyConnector(() => Shells.Session(shell, _state.Path, keepStreamInput: true), 9, 700_000);
        var mirrorPath = Path.Combine(_state.Path, "mirror");
        using var mirror = LogMirror.Open(mirrorPath);
        using var output = new MemoryStream();
        using var errors = new MemoryStream();
        var options = new AttachOptions { Heartbeat = TimeSpan.FromMilliseconds(200), DeadAfter = TimeSpan.FromSeconds(30), InitialBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(20), ChunkBytes = 1 << 20 };

        var status = await new Attacher(connector, JobId.Parse(id), mirror, new JobStreams(output, errors), default, options).RunAsync(null);

        Assert.Equal((JobState.Exited, 3), (status.State, status.ExitCode));
        Assert.Equal(stdout, output.ToArray());
        Assert.Equal(stderr, errors.ToArray());
        Assert.Equal(SHA256.HashData(stdout), SHA256.HashData(await File.ReadAllBytesAsync(LogMirror.FileOf(mirrorPath, OutputKind.Stdout))));
        Assert.True(connector.Breaks >= 3, $"only {connector.Breaks} breaks");
    }

    /// <summary>
    /// A job silent for longer than the dead-after period, then writing again: the helper's heartbeats
    /// keep the one connection alive through the silence, and the late output still arrives.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task Output_after_a_long_silence_arrives_on_the_same_connection(string shell)
    {
        var id = JobId.New();
        await new JobClient(Shells.Session(shell, _state.Path)).LaunchAsync(id, JobCookie.New(), new JobSpec("printf early; sleep 4; printf late; exit 4", Shell: "/bin/sh"));
        var connector = new FlakyConnector(() => Shells.Session(shell, _state.Path, keepStreamInput: true), 1, int.MaxValue);
        using var output = new MemoryStream();
        var options = new AttachOptions { Heartbeat = TimeSpan.FromMilliseconds(100), DeadAfter = TimeSpan.FromSeconds(2), InitialBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(20) };

        var status = await new Attacher(connector, id, null, new JobStreams(output, null), default, options).RunAsync(null);

        Assert.Equal((JobState.Exited, 4), (status.State, status.ExitCode));
        Assert.Equal("earlylate", Encoding.ASCII.GetString(output.ToArray()));
        Assert.Equal(1, connector.Connections);
    }

    /// <summary>
    /// The helper waits for credit with everything it may send sent; the log is then cut shorter than
    /// what it sent. Its next look (a tick or the credit) refuses it (log-truncated), and it never
    /// sends bytes of the shorter file.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task A_log_cut_shorter_while_the_helper_waits_for_credit_is_refused(string shell)
    {
        var id = MakeJob(layout: 2, Bytes(7, 5000), [], null);
        await using var session = Shells.Session(shell, _state.Path, keepStreamInput: true);
        var request = Request(id, max: 1000) with { Credit = true };
        using var remote = await session.OpenStreamAsync(request.ToRunnerRequest().ToPayload());
        var reader = new StreamFrameReader(remote.Output, "local");
        long received = 0;
        while (received < 1000)
        {
            if (reader.Next() is StreamEvent.Data data)
            {
                received += data.Bytes.Length;
            }
        }

        File.WriteAllBytes(Path.Combine(_state.JobDir(id), "out"), Bytes(7, 10));
        try
        {
            remote.Send(Encoding.ASCII.GetBytes(Protocol.CreditLine(100_000)));
        }
        catch (IOException)
        {
            // The helper looks at the sizes on every tick, credit or not: it may have refused and
            // ended already.
        }
        var events = new List<StreamEvent>();
        while (reader.Next() is { } next)
        {
            events.Add(next);
            if (next is StreamEvent.Reply { Line.Tag: ReplyTags.End })
            {
                break;
            }
        }

        Assert.DoesNotContain(events, e => e is StreamEvent.Data);
        var error = Assert.Single(events.OfType<StreamEvent.Reply>(), r => r.Line.Tag == ReplyTags.Error);
        Assert.Equal("log-truncated", error.Line["code"]);
    }

    /// <summary>
    /// --tail's start and the lost-job check at a heartbeat use stream.pl's subs compiled on first
    /// need: they run, and say what the sh tier says.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task The_subs_compiled_on_first_need_serve_a_tail_and_find_a_lost_job(string shell)
    {
        var ended = MakeJob(layout: 2, Encoding.ASCII.GetBytes("a\nb\nc\nd"), Encoding.ASCII.GetBytes("x\ny\nz\n"), Exited);
        foreach (var tier in new string?[] { null, "posix" })
        {
            var output = await ExecAsync(shell, Request(ended) with { TailLines = 2, Tier = tier });
            Assert.Contains(tier is null ? "tier=perl" : "tier=sh", StreamReply(output), StringComparison.Ordinal);
            var read = Read(output);
            Assert.Equal(("c\nd", "y\nz\n"), (Encoding.ASCII.GetString(read.Out), Encoding.ASCII.GetString(read.Err)));
        }

        // No process, no wrapper, no exit record: lost at the first heartbeat, whichever tier looks.
        var lost = MakeJob(layout: 2, Bytes(7, 100), [], exit: null);
        foreach (var tier in new string?[] { null, "posix" })
        {
            var output = await ExecAsync(shell, Request(lost) with { Tier = tier });
            Assert.Contains(tier is null ? "tier=perl" : "tier=sh", StreamReply(output), StringComparison.Ordinal);
            var read = Read(output);
            Assert.Equal(Bytes(7, 100), read.Out);
            var done = read.Replies.Single(r => r.Tag == ReplyTags.Done);
            Assert.Equal(("lost", "100"), (done["state"], done["o"]));
        }
    }

    /// <summary>
    /// Where inotify can watch the job directory, a silent job costs its stream helper one wake-up
    /// per heartbeat, not one per tick (the tick backs off to 250 ms, four a second): strace counts
    /// the helper's waits with a timeout against the heartbeats it sends while the job is silent.
    /// Then the job writes, the write wakes the helper, and the output and the exit come whole.
    /// Without inotify (its system call numbers made unknown) the helper polls on its tick and the
    /// stream is the same. The silent stretch lasts until strace has seen three heartbeats, however
    /// slow the machine.
    /// </summary>
    [Theory(Timeout = 120000)]
    [InlineData("dash", true)]
    [InlineData("ash", true)]
    [InlineData("dash", false)]
    public async Task A_silent_job_wakes_its_stream_helper_once_a_heartbeat_where_inotify_watches(string shell, bool inotify)
    {
        var id = JobId.New();
        var go = Path.Combine(_state.Path, "go");
        await new JobClient(Shells.Session(shell, _state.Path)).LaunchAsync(id, JobCookie.New(), new JobSpec($"while [ ! -e '{go}' ]; do sleep 0.05; done; printf late; exit 4", Shell: "/bin/sh"));
        var runner = new StreamRequest(id, default, 64 << 20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), "t").ToRunnerRequest();
        if (!inotify)
        {
            const string Numbers = "183 => [1, 113, 94, 26, 27]";
            Assert.Contains(Numbers, RunnerRequest.StreamToolScript, StringComparison.Ordinal);
            runner.Set(RequestVariables.StreamTool, RunnerRequest.StreamToolScript
                .Replace("228, 231, 294, 254]", "228, 231, -1, -1]", StringComparison.Ordinal)
                .Replace(Numbers, "183 => [1, 113, 94, -1, -1]", StringComparison.Ordinal));
        }

        await using var session = Shells.Session(shell, _state.Path, keepStreamInput: true);
        using var remote = await session.OpenStreamAsync(runner.ToPayload());
        // The helper registers as "RUNNER START" in helpers/t; it is its runner's perl child.
        var record = Path.Combine(_state.JobDir(id.Value), "helpers", "t");
        await Poll.UntilAsync(() => File.Exists(record) && File.ReadAllText(record).EndsWith('\n'), "the stream helper to register");
        var runnerPid = File.ReadAllText(record).Split(' ')[0];
        var helper = Directory.GetDirectories("/proc").Select(Path.GetFileName).OfType<string>().Where(p => p.All(char.IsAsciiDigit)).Single(p =>
        {
            var stat = ProcStat(p);
            return stat.Contains(" (perl) ", StringComparison.Ordinal) && stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1] == runnerPid;
        });
        var log = Path.Combine(_state.Path, "strace.log");
        var info = new System.Diagnostics.ProcessStartInfo("strace", ["-qq", "-e", "trace=pselect6,select,write", "-o", log, "-p", helper])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var strace = System.Diagnostics.Process.Start(info)!;
        var reader = new StreamFrameReader(remote.Output, "local");
        var replies = new List<ReplyLine>();
        var output = new StringBuilder();
        try
        {
            await Poll.UntilAsync(() => File.Exists(log) && File.ReadAllText(log).Split("@@SKH").Length > 3, "three heartbeats from the silent job's helper", TimeSpan.FromSeconds(60));
            await File.WriteAllTextAsync(go, "");
            while (reader.Next() is { } next)
            {
                // A frame's bytes are the reader's buffer: taken before the next read.
                if (next is StreamEvent.Data data)
                {
                    output.Append(Encoding.ASCII.GetString(data.Bytes.Span));
                }
                else if (next is StreamEvent.Reply reply)
                {
                    replies.Add(reply.Line);
                }

                if (next is StreamEvent.Reply { Line.Tag: ReplyTags.End })
                {
                    break;
                }
            }

            await strace.WaitForExitAsync();
        }
        finally
        {
            if (!strace.HasExited)
            {
                strace.Kill();
            }
        }

        Assert.Equal("late", output.ToString());
        var done = Assert.Single(replies, r => r.Tag == ReplyTags.Done);
        Assert.Equal(("exited", "4"), (done["state"], done["code"]));
        if (inotify)
        {
            // The silent stretch: every call traced before the output's first frame. Its waits with
            // a timeout (a zero one only polls stdin) are one per heartbeat, and two more: the one
            // it was in when strace attached (its first tick, perhaps) and the one the output ends.
            var silent = File.ReadAllLines(log).TakeWhile(l => !l.Contains("@@SKD", StringComparison.Ordinal)).ToList();
            var heartbeats = silent.Count(l => l.Contains("\"@@SKH", StringComparison.Ordinal));
            var waits = silent.Count(l => l.Contains("select", StringComparison.Ordinal) && !l.Contains("{tv_sec=0, tv_nsec=0}", StringComparison.Ordinal));
            Assert.True(heartbeats >= 3, $"{heartbeats} heartbeats traced");
            Assert.True(waits <= heartbeats + 2, $"{waits} waits for {heartbeats} heartbeats:\n{string.Join('\n', silent)}");
        }
    }

    private static string ProcStat(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return ""; // gone meanwhile
        }
    }

    private static StreamRequest Request(string id, StreamOffsets offsets = default, long max = 64 << 20) =>
        new(JobId.Parse(id), offsets, max, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(20), "t");

    private Task<byte[]> ExecAsync(string shell, StreamRequest request) => ExecAsync(shell, request.ToRunnerRequest());

    private async Task<byte[]> ExecAsync(string shell, RunnerRequest request) => await Shells.Session(shell, _state.Path).ExecAsync(request.ToPayload());

    /// <summary>A job directory as a finished job leaves it (no processes), of layout 1 (one log) or 2.</summary>
    private string MakeJob(int layout, byte[] stdout, byte[] stderr, string? exit)
    {
        var id = JobId.New().Value;
        var dir = _state.JobDir(id);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (layout == 2)
        {
            File.WriteAllText(Path.Combine(dir, "proto"), "2 sh\n");
            File.WriteAllBytes(Path.Combine(dir, "out"), stdout);
            File.WriteAllBytes(Path.Combine(dir, "err"), stderr);
        }
        else
        {
            File.WriteAllBytes(Path.Combine(dir, "log"), stdout);
        }

        File.WriteAllText(Path.Combine(dir, "cmd"), "true");
        if (exit is not null)
        {
            File.WriteAllText(Path.Combine(dir, "exit"), exit + "\n");
        }

        return id;
    }

    private static byte[] Bytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string StreamReply(byte[] output) =>
        Encoding.UTF8.GetString(output).Split('\n').Single(l => l.StartsWith(Protocol.ReplyPrefix + "stream ", StringComparison.Ordinal));

    private sealed record Received(byte[] Out, byte[] Err, byte[] Log, List<ReplyLine> Replies, long MaxFrame);

    /// <summary>What the client reads of a stream call's output: each stream's bytes, the replies, the largest frame.</summary>
    private static Received Read(byte[] output)
    {
        var streams = new[] { new MemoryStream(), new MemoryStream(), new MemoryStream() };
        var replies = new List<ReplyLine>();
        var reader = new StreamFrameReader(new MemoryStream(output), "local");
        while (reader.Next() is { } next)
        {
            switch (next)
            {
                case StreamEvent.Data data:
                    streams[(int)data.Stream].Write(data.Bytes.Span);
                    break;
                case StreamEvent.Reply reply:
                    replies.Add(reply.Line);
                    break;
            }
        }

        var text = Encoding.Latin1.GetString(output);
        var maxFrame = System.Text.RegularExpressions.Regex.Matches(text, @"@@SKD [oel] \d+ (\d+)\n").Select(m => long.Parse(m.Groups[1].Value)).DefaultIfEmpty(0).Max();
        return new(streams[(int)OutputKind.Stdout].ToArray(), streams[(int)OutputKind.Stderr].ToArray(), streams[(int)OutputKind.Combined].ToArray(), replies, maxFrame);
    }
}
