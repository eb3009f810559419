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

    [Theory(Timeout = 30000)]
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

    [Theory(Timeout = 30000)]
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
