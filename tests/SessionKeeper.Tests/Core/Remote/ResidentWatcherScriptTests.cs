using System.Text;
using SessionKeeper.Cli.Daemon.Broker;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The resident watcher (keeper.pl's serve mode made a watcher by a "watch" request), run for real
/// by dash, bash and BusyBox ash, and the daemon's side of it (ResidentWatcher): one process that
/// watches many jobs and answers each once, with the stream's own done reply when the job ended
/// with nothing left to mirror, and "output" or "check" (stream it as before) otherwise.
/// </summary>
public sealed class ResidentWatcherScriptTests : IDisposable
{
    private readonly ShellTarget _state = new();

    public void Dispose() => _state.Dispose();

    [Theory(Timeout = 60000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task An_ended_job_is_answered_with_the_streams_done_reply_and_the_same_status(string shell)
    {
        var quiet = await LaunchAsync(shell, "exit 3");
        var loud = await LaunchAsync(shell, "printf 12345; printf ab >&2; kill -TERM $$");
        using var watcher = await StartAsync(shell);
        foreach (var id in new[] { quiet, loud })
        {
            await Poll.UntilAsync(() => File.Exists(_state.JobFile(id.Value, "exit")), "the job to end");
        }

        // Behind the logs: output, whatever the state.
        Assert.Equal($"@@SKW {loud.Value} output", Ask(watcher, $"watch {loud.Value} 0 0"));
        Assert.Equal($"@@SKW {loud.Value} output", Ask(watcher, $"watch {loud.Value} 5 0"));

        foreach (var (id, at) in new[] { (quiet, new StreamOffsets(0, 0, 0)), (loud, new StreamOffsets(5, 2, 0)) })
        {
            var said = Ask(watcher, $"watch {id.Value} {at.Stdout} {at.Stderr}");
            Assert.StartsWith($"@@SKW {id.Value} done layout=2 o={at.Stdout} e={at.Stderr} ", said, StringComparison.Ordinal);
            var done = ReplyParser.ParseLine(said.AsSpan(said.IndexOf(" done", StringComparison.Ordinal) + 1), "local");
            var watched = Attacher.Finished(done, at, id, "local");
            var asked = await _state.Client(shell).StatusAsync(id);
            Assert.Equal(asked.State, watched.State);
            Assert.Equal(asked.ExitCode, watched.ExitCode);
            Assert.Equal(asked.Signal, watched.Signal);
            Assert.Equal(asked.Ended, watched.Ended);
            Assert.True(watched.FromStreamEnd);
        }
    }

    [Theory(Timeout = 60000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_running_job_is_answered_at_its_end_and_a_lost_or_tampered_one_is_left_to_the_runner(string shell)
    {
        var sleeper = await LaunchAsync(shell, "sleep 60");
        var lost = await LaunchAsync(shell, "sleep 60");
        var tampered = await LaunchAsync(shell, "true");
        using var watcher = await StartAsync(shell);
        await Poll.UntilAsync(() => File.Exists(_state.JobFile(tampered.Value, "exit")), "the job to end");
        File.Delete(_state.JobFile(tampered.Value, "err"));
        File.CreateSymbolicLink(_state.JobFile(tampered.Value, "err"), "/etc/passwd");
        Assert.Equal($"@@SKW {tampered.Value} check", Ask(watcher, $"watch {tampered.Value} 0 0"));
        Assert.Equal($"@@SKW nosuchjob check", Ask(watcher, "watch nosuchjob 0 0"));

        // Running: only beats, until it ends.
        Send(watcher, $"watch {sleeper.Value} 0 0");
        Send(watcher, $"watch {lost.Value} 0 0");
        Assert.Equal("@@SKW beat", watcher.Reader.Next());
        Assert.Equal("@@SKW beat", watcher.Reader.Next());

        // The wrapper and the job gone without an exit record: the runner derives the state.
        var wrapper = int.Parse(File.ReadAllText(_state.JobFile(lost.Value, "wrapper")).Split(' ')[0]);
        var job = int.Parse(File.ReadAllText(_state.JobFile(lost.Value, "ident")).Split(' ')[0]);
        System.Diagnostics.Process.GetProcessById(wrapper).Kill();
        System.Diagnostics.Process.GetProcessById(job).Kill();
        Assert.Equal($"@@SKW {lost.Value} check", NextWord(watcher));

        var (killed, _) = await _state.Client(shell).KillAsync(sleeper, TimeSpan.FromSeconds(5));
        Assert.StartsWith($"@@SKW {sleeper.Value} done layout=2 o=0 e=0 state=killed code=143 signal=15 ", NextWord(watcher), StringComparison.Ordinal);
        Assert.Equal(JobState.Killed, killed.State);
    }

    [Theory(Timeout = 60000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task It_ends_at_end_of_input_and_after_its_idle_time_without_a_line_and_refuses_a_bad_request(string shell)
    {
        using (var watcher = await StartAsync(shell, TimeSpan.FromMinutes(1)))
        {
            Send(watcher, "watch");
            Assert.Equal("@@SKW malformed", NextWord(watcher));
            Send(watcher, "watch ../x 0 0");
            Assert.Equal("@@SKW malformed", NextWord(watcher));
            watcher.Channel.CloseInput();
            while (watcher.Reader.Next() is { } line)
            {
                Assert.Equal("@@SKW beat", line);
            }
        }

        var sleeper = await LaunchAsync(shell, "sleep 60");
        using (var idle = await StartAsync(shell, TimeSpan.FromSeconds(2)))
        {
            // Watching a job, but no line from the daemon for its idle time: gone by itself (stdin open).
            Send(idle, $"watch {sleeper.Value} 0 0");
            while (idle.Reader.Next() is { } line)
            {
                Assert.Equal("@@SKW beat", line);
            }
        }

        await _state.Client(shell).KillAsync(sleeper, TimeSpan.FromSeconds(5));
    }

    [Theory(Timeout = 60000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task The_daemons_watcher_answers_many_jobs_on_one_channel_and_null_once_it_is_gone(string shell)
    {
        var connection = new PooledConnection("k", "local", Task.FromResult<IRemoteSession>(Shells.Session(shell, _state.Path, keepStreamInput: true)));
        var said = new List<string>();
        using var watcher = new ResidentWatcher(connection, TimeSpan.FromMinutes(1), what => { lock (said) { said.Add(what); } });
        var ids = new List<JobId>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await LaunchAsync(shell, $"exit {i}"));
        }

        var answers = await Task.WhenAll(ids.Select(id => watcher.WatchAsync(id, default, CancellationToken.None)));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), answers[i]!["code"]);
            Assert.Equal("exited", answers[i]!["state"]);
        }

        Assert.Equal(PooledConnection.ChannelLimit - 1, connection.Channels.Free);
        Assert.Equal(["started"], said);

        // A job with output to mirror: null (streamed as before).
        var loud = await LaunchAsync(shell, "echo hi");
        await Poll.UntilAsync(() => File.Exists(_state.JobFile(loud.Value, "exit")), "the job to end");
        Assert.Null(await watcher.WatchAsync(loud, default, CancellationToken.None));

        // Cancelled (a lease lost): the watch ends, the watcher stays.
        var sleeper = await LaunchAsync(shell, "sleep 60");
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watcher.WatchAsync(sleeper, default, cancel.Token));
        }

        // Gone while it watches: answered null, its slot given back.
        var waiting = watcher.WatchAsync(sleeper, default, CancellationToken.None);
        watcher.Dispose();
        Assert.Null(await waiting);
        Assert.Equal(PooledConnection.ChannelLimit, connection.Channels.Free);
        await _state.Client(shell).KillAsync(sleeper, TimeSpan.FromSeconds(5));
    }

    /// <summary>A layout-3 job, as the resident launcher makes it (the only layout the watcher answers).</summary>
    private async Task<JobId> LaunchAsync(string shell, string command)
    {
        var id = JobId.New();
        var launch = ResidentLaunch.From(new LaunchRequest(id, JobCookie.New(), new JobSpec(command, Shell: "/bin/sh")).ToRunnerRequest().ToPayload())!;
        using var launcher = await StartAsync(shell);
        Send(launcher, Encoding.ASCII.GetString(launch.Line).TrimEnd('\n'));
        while (launcher.Reader.Next() is { } line)
        {
            if (line.StartsWith(ResidentLaunch.WordPrefix, StringComparison.Ordinal))
            {
                Assert.Equal(ResidentLaunch.WordPrefix + ResidentLaunch.Launched, line);
                return id;
            }
        }

        throw new InvalidOperationException("the launcher ended in a request");
    }

    private static void Send(Serving serving, string line) => serving.Channel.Send(Encoding.ASCII.GetBytes(line + "\n"));

    /// <summary>The next line that is not a beat.</summary>
    private static string NextWord(Serving serving)
    {
        while (serving.Reader.Next() is { } line)
        {
            if (line != "@@SKW beat")
            {
                return line;
            }
        }

        throw new InvalidOperationException("the watcher ended");
    }

    private static string Ask(Serving serving, string request)
    {
        Send(serving, request);
        return NextWord(serving);
    }

    private async Task<Serving> StartAsync(string shell, TimeSpan? idle = null)
    {
        var output = await Shells.Session(shell, _state.Path, keepStreamInput: true).OpenStreamAsync(ResidentLaunch.ServePayload(idle ?? TimeSpan.FromMinutes(1)));
        var reader = new LineReader(output.Output);
        while (reader.Next() is { } line)
        {
            if (line == ResidentLaunch.WordPrefix + ResidentLaunch.Ready)
            {
                return new Serving(output, reader);
            }
        }

        output.Dispose();
        throw new InvalidOperationException("no resident launcher");
    }

    private sealed record Serving(IRemoteOutput Channel, LineReader Reader) : IDisposable
    {
        public void Dispose() => Channel.Dispose();
    }
}
