using System.Diagnostics;
using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// A <see cref="JobsHost"/> whose CLIs always go through a daemon's broker, with a short idle time,
/// a per-host limit of 2 and a poll long enough that the daemon's own supervision opens nothing
/// while a test counts connections.
/// </summary>
public sealed class BrokerHost : JobsHost
{
    public const int Limit = 2;

    protected override bool Brokered => true;

    protected override string[] DaemonOptions => ["--broker-idle", "2s", "--broker-max-per-host", Limit.ToString(CultureInfo.InvariantCulture), "--poll", "1h"];
}

/// <summary>The daemon as a connection broker (issue 13): its socket, whom it serves, how many connections it holds and for how long.</summary>
[LongRunning(100)]
public sealed class BrokerTests(BrokerHost host) : IClassFixture<BrokerHost>
{
    [Fact(Timeout = 120_000)]
    public async Task A_launch_goes_through_the_daemon_whose_socket_is_private()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(host.BrokerSocket));
        var id = JobsHost.NewJobId("b");
        var run = await host.RunAsync("run", ["--", "echo brokered; exit 3"], ["-v", "--detach", "--id", id, "--shell", "/bin/sh"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(id + "\n", run.StdoutText);
        Assert.Contains("using the daemon's connection to", run.Stderr, StringComparison.Ordinal);

        var wait = await host.RunAsync("wait", [id]);
        Assert.Equal(3, wait.ExitCode);
        var logs = await host.RunAsync("logs", [id]);
        Assert.Equal("brokered\n", logs.StdoutText);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_process_of_another_uid_is_refused_by_its_peer_credentials()
    {
        Prerequisite.Require(SshdFixture.IsRoot, "connects as uid nobody through setpriv, which needs root");

        // The socket is 0600 in a 0700 directory, so nobody cannot even reach it: a hard link in
        // an open directory, opened to all for the test, lets the kernel's SO_PEERCRED be what refuses.
        var open = Directory.CreateTempSubdirectory("sk-peer-");
        try
        {
            File.SetUnixFileMode(open.FullName, (UnixFileMode)0x1ED); // 0755
            var link = Path.Combine(open.FullName, "broker.sock");
            Assert.Equal(0, Libc.Link(host.BrokerSocket, link));
            File.SetUnixFileMode(link, (UnixFileMode)0x1B6); // 0666, for the link and the original alike
            try
            {
                var psi = new ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var arg in new[]
                {
                    "--reuid=65534", "--regid=65534", "--clear-groups", "perl", "-MIO::Socket::UNIX", "-e",
                    "my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die qq(connect: $!\\n); local $/; my $d = <$s>; print $d // q()",
                    link,
                })
                {
                    psi.ArgumentList.Add(arg);
                }

                using var perl = Process.Start(psi)!;
                var stdout = await perl.StandardOutput.ReadToEndAsync();
                var stderr = await perl.StandardError.ReadToEndAsync();
                await perl.WaitForExitAsync();
                Assert.True(perl.ExitCode == 0, $"perl as nobody failed: {stderr}");
                Assert.Contains($"refused: this daemon serves uid 0 only.", stdout, StringComparison.Ordinal);
                await Poll.UntilAsync(() => host.DaemonLog.Contains("uid 65534: not ours", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the daemon's log of the refusal");
            }
            finally
            {
                File.SetUnixFileMode(link, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        finally
        {
            open.Delete(recursive: true);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task An_idle_connection_is_closed_after_the_idle_time()
    {
        await host.LaunchAsync("true");
        await Poll.UntilAsync(
            () => host.DaemonLog.Contains("closed an idle connection to 127.0.0.1:" + host.Sshd.Port, StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            "the daemon's log of an idle connection closed");
        await Poll.UntilAsync(() => Established(host.Sshd.Port) == 0, TimeSpan.FromSeconds(60), "no connection left to the sshd");
    }

    [Fact(Timeout = 300_000)]
    public async Task Twenty_concurrent_launches_never_hold_more_connections_than_the_limit()
    {
        using var stop = new CancellationTokenSource();
        var max = 0;
        var holders = "";
        var gauge = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var now = Established(host.Sshd.Port);
                if (now > max && now > BrokerHost.Limit)
                {
                    holders = Holders(host.Sshd.Port);
                }

                max = Math.Max(max, now);
                await Task.Delay(5, CancellationToken.None);
            }
        });
        var ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => host.LaunchAsync("true")));
        await stop.CancelAsync();
        await gauge;

        Assert.All(ids, id => Assert.True(Directory.Exists(host.JobDir(id)), $"job {id} has no directory"));
        Assert.True(max >= 1 && max <= BrokerHost.Limit, $"{max} connections established at once (limit {BrokerHost.Limit}); their client ends then: {holders}");
    }

    /// <summary>
    /// `run -d` after `run -d` through a daemon that supervises what they launch (a poll of 1 s) over
    /// one connection at most: more jobs running at once than it has stream channels (9). The daemon's
    /// own supervision once went over a connection of its own for each stream with no slot (9
    /// established against a limit of 4 in a burst of 250, every one the daemon's); now it waits for
    /// a slot. Never more than the limit established on the sshd side, and every job's end is still
    /// recorded by the daemon.
    /// </summary>
    [Fact(Timeout = 400_000)]
    public async Task A_sequential_burst_the_daemon_supervises_never_holds_more_connections_than_the_limit()
    {
        const int Launches = 16;
        const int Limit = 1;
        await NoConnectionsAsync();
        var state = Directory.CreateTempSubdirectory("sk-burst-");
        var env = new Dictionary<string, string?> { ["SESSIONKEEPER_STATE_DIR"] = state.FullName };
        var daemon = host.Cli.Start(["daemon", "--broker", "--broker-max-per-host", Limit.ToString(CultureInfo.InvariantCulture), "--broker-idle", "2s", "--poll", "1s"], env);
        using var stop = new CancellationTokenSource();
        var max = 0;
        var holders = "";
        var log = "";
        var notes = "";
        var gauge = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var now = Established(host.Sshd.Port);
                if (now > max && now > Limit)
                {
                    holders = Holders(host.Sshd.Port);
                }

                max = Math.Max(max, now);
                await Task.Delay(5, CancellationToken.None);
            }
        });
        try
        {
            File.SetUnixFileMode(state.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await Poll.UntilAsync(() => File.Exists(Path.Combine(state.FullName, "broker.sock")) || daemon.HasExited, TimeSpan.FromSeconds(60), "the daemon's broker socket");
            Assert.False(daemon.HasExited, daemon.StderrText);

            var ids = new List<string>();
            for (var k = 0; k < Launches; k++)
            {
                var id = JobsHost.NewJobId("s");
                var run = await host.Cli.RunAsync(["run", .. host.ConnectionOptions(), "-v", "--detach", "--id", id, host.Destination(), "--", "sleep 20"], env);
                Assert.True(run.ExitCode == 0, run.ToString());
                ids.Add(id);

                // What each CLI said about the daemon (-v): a direct connection would name its reason.
                notes += string.Concat(run.Stderr.Split('\n').Where(l => l.Contains("daemon", StringComparison.Ordinal)).Select(l => $"{id}: {l}\n"));
            }

            await Poll.UntilAsync(
                () => ids.All(id => daemon.StderrText.Contains($"job {id} on ", StringComparison.Ordinal) && daemon.StderrText.Contains($"job {id} on {host.Destination()}:{host.Sshd.Port}: exited 0", StringComparison.Ordinal)) || daemon.HasExited,
                TimeSpan.FromSeconds(240),
                "the daemon to record every job's end");
            Assert.False(daemon.HasExited, daemon.StderrText);
        }
        finally
        {
            await stop.CancelAsync();
            await gauge;
            daemon.Kill();
            log = daemon.StderrText;
            await daemon.DisposeAsync();
            state.Delete(recursive: true);
        }

        Assert.True(max == Limit, $"{max} connections established at once (limit {Limit}); their client ends then: {holders}; what the CLIs said: {notes}; the daemon's log: {log}");
    }

    /// <summary>
    /// More foreground runs at once than the daemon's connections have channels (2 connections of
    /// 10, one of each kept for short requests): the daemon answers the rest busy at once and they
    /// connect by themselves, as OpenSSH does when its master cannot open a session; meanwhile a
    /// launch and a status still pass through. Every run gets its own output and exit code.
    /// </summary>
    [Fact(Timeout = 400_000)]
    public async Task More_long_streams_than_the_daemons_channels_all_finish_and_short_requests_are_not_starved()
    {
        const int Streams = 24; // > 2 connections x 10 channels
        const int PooledStreams = BrokerHost.Limit * (10 - 1);
        var gate = Path.Combine(host.Sshd.TempDir, $"gate-{Guid.NewGuid():N}");
        var started = Path.Combine(host.Sshd.TempDir, $"started-{Guid.NewGuid():N}");
        var runs = new List<(int K, string Id, CliProcess Cli)>();
        try
        {
            for (var k = 0; k < Streams; k++)
            {
                var job = JobsHost.NewJobId("m");
                var command = $"touch '{started}.{k}'; while [ ! -e '{gate}' ]; do sleep 0.1; done; echo out-{k}; exit {10 + k}";
                runs.Add((k, job, host.Start("run", ["--", command], ["-v", "--id", job, "--shell", "/bin/sh"])));
            }

            await Poll.UntilAsync(
                () => Enumerable.Range(0, Streams).All(k => File.Exists($"{started}.{k}")) || runs.Any(r => r.Cli.HasExited),
                TimeSpan.FromSeconds(240),
                "every run's job to start");
            Assert.All(runs, r => Assert.False(r.Cli.HasExited, $"run {r.K} ended early: {r.Cli.StderrText}"));

            // Every stream is held open now: short requests still pass.
            var shortJob = await host.LaunchAsync("echo short");
            var status = await host.RunAsync("status", [runs[0].Id], ["--json"]);
            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Equal("running", JobStatusJson.Parse(status.StdoutText).State);
            Assert.Equal(0, (await host.RunAsync("wait", [shortJob])).ExitCode);

            File.WriteAllText(gate, "");
            foreach (var (k, _, cli) in runs)
            {
                var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(120));
                Assert.True(result.ExitCode == 10 + k, $"run {k}: {result}");
                Assert.Equal($"out-{k}\n", result.StdoutText);
            }

            var overflowed = runs.Count(r => r.Cli.StderrText.Contains("has no free channel; this one goes over a connection of its own.", StringComparison.Ordinal));
            Assert.True(overflowed >= Streams - PooledStreams, $"{overflowed} run(s) went over a connection of their own, {Streams - PooledStreams} expected at least");
            Assert.Contains(runs, r => !r.Cli.StderrText.Contains("has no free channel", StringComparison.Ordinal) && r.Cli.StderrText.Contains("using the daemon's connection to", StringComparison.Ordinal));
        }
        finally
        {
            File.WriteAllText(gate, "");
            foreach (var run in runs)
            {
                await run.Cli.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Two foreground runs share one of the daemon's connections; one of them declares its link
    /// dead (its stream helper is stopped, so its heartbeats stop, as they seem to for a CLI starved
    /// of CPU). Only that run's channel goes: the daemon probes the connection, which answers, so
    /// the other run's stream is never interrupted. Both end with their own output and exit code.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task A_run_that_declares_its_link_dead_leaves_the_other_runs_on_the_connection_alone()
    {
        var gate = Path.Combine(host.Sshd.TempDir, $"gate-{Guid.NewGuid():N}");
        var started = Path.Combine(host.Sshd.TempDir, $"started-{Guid.NewGuid():N}");
        string Command(string name, int code) => $"touch '{started}.{name}'; while [ ! -e '{gate}' ]; do sleep 0.1; done; echo out-{name}; exit {code}";
        var (a, b) = (JobsHost.NewJobId("da"), JobsHost.NewJobId("db"));
        await NoConnectionsAsync();
        await using var quitter = host.Start("run", ["--", Command("a", 7)], ["-v", "--id", a, "--shell", "/bin/sh", "--heartbeat", "200ms", "--dead-after", "2s"]);
        await using var bystander = host.Start("run", ["--", Command("b", 9)], ["-v", "--id", b, "--shell", "/bin/sh"]);
        int[] stopped = [];
        try
        {
            await Poll.UntilAsync(
                () => (File.Exists($"{started}.a") && File.Exists($"{started}.b")) || quitter.HasExited || bystander.HasExited,
                TimeSpan.FromSeconds(120),
                "both jobs to start");
            Assert.False(quitter.HasExited || bystander.HasExited, $"a run ended early: {quitter.StderrText} / {bystander.StderrText}");
            Assert.Equal(1, Established(host.Sshd.Port));

            // The quitter's heartbeats stop: its stream helper is stopped.
            var helpers = Path.Combine(host.JobDir(a), "helpers");
            var record = await Poll.ObjectAsync(() => Streaming.HelperLifetimeTests.HelperRecords(helpers) is [var one] ? File.ReadAllText(one).Trim() : null, TimeSpan.FromSeconds(30), "the quitter's helper record");
            var helper = int.Parse(record.Split(' ')[0], CultureInfo.InvariantCulture);
            var logFrom = host.DaemonLog.Length;
            stopped = [helper, .. ProcFs.Descendants(helper, ProcFs.Snapshot()).Select(p => p.Pid)];
            foreach (var pid in stopped)
            {
                PosixSignals.Send(pid, PosixSignals.SIGSTOP);
            }

            try
            {
                await Poll.UntilAsync(
                    () => quitter.StderrText.Contains("reconnected to", StringComparison.Ordinal) || quitter.HasExited,
                    TimeSpan.FromSeconds(120),
                    "the quitter to declare its link dead and reconnect");
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message}\nquitter: {quitter.StderrText}\nbystander: {bystander.StderrText}\ndaemon: {host.DaemonLog}", ex);
            }

            File.WriteAllText(gate, "");
            var kept = await bystander.WaitForResultAsync(TimeSpan.FromSeconds(120));
            Assert.True(kept.ExitCode == 9, kept.ToString());
            Assert.Equal("out-b\n", kept.StdoutText);
            Assert.DoesNotContain("lost at byte", kept.Stderr, StringComparison.Ordinal);
            await Poll.UntilAsync(
                () => host.DaemonLog[logFrom..].Contains("answered a probe", StringComparison.Ordinal) || host.DaemonLog[logFrom..].Contains("did not answer a probe", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60),
                "the daemon's probe of the connection the quitter declared dead");
            Assert.True(host.DaemonLog[logFrom..].Contains("answered a probe", StringComparison.Ordinal), host.DaemonLog);

            var quit = await quitter.WaitForResultAsync(TimeSpan.FromSeconds(120));
            Assert.True(quit.ExitCode == 7, quit.ToString());
            Assert.Equal("out-a\n", quit.StdoutText);
            Assert.Contains("lost at byte", quit.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.WriteAllText(gate, "");
            foreach (var pid in stopped)
            {
                PosixSignals.Send(pid, PosixSignals.SIGCONT);
            }
        }
    }

    /// <summary>
    /// The daemon's connection really goes silent (its sshd session process stopped: a black
    /// hole): the probe gets no answer within its deadline, so the connection goes for everyone
    /// on it, and both runs reconnect over a new one and end with their own output and exit code.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task A_connection_that_fails_the_probe_is_closed_for_everyone_and_every_run_still_finishes()
    {
        var gate = Path.Combine(host.Sshd.TempDir, $"gate-{Guid.NewGuid():N}");
        var started = Path.Combine(host.Sshd.TempDir, $"started-{Guid.NewGuid():N}");
        string Command(string name, int code) => $"touch '{started}.{name}'; while [ ! -e '{gate}' ]; do sleep 0.1; done; echo out-{name}; exit {code}";
        string[] Options(string id) => ["-v", "--id", id, "--shell", "/bin/sh", "--heartbeat", "200ms", "--dead-after", "2s"];
        var (a, b) = (JobsHost.NewJobId("ha"), JobsHost.NewJobId("hb"));
        await NoConnectionsAsync();
        await using var first = host.Start("run", ["--", Command("a", 5)], Options(a));
        await using var second = host.Start("run", ["--", Command("b", 6)], Options(b));
        var hole = 0;
        try
        {
            // Both runs past their launch replies, streaming: a job's own file can come before its
            // reply reaches the CLI, and a reply lost with the connection is a launch retried, not
            // a stream lost at a byte.
            await Poll.UntilAsync(
                () => (File.Exists($"{started}.a") && File.Exists($"{started}.b")
                    && first.StderrText.Contains($"job {a} started on", StringComparison.Ordinal)
                    && second.StderrText.Contains($"job {b} started on", StringComparison.Ordinal))
                    || first.HasExited || second.HasExited,
                TimeSpan.FromSeconds(120),
                "both runs to have their launch replies");
            Assert.False(first.HasExited || second.HasExited, $"a run ended early: {first.StderrText} / {second.StderrText}");
            var session = await Poll.ObjectAsync(() => host.Sshd.SessionProcesses() is [var one] ? one : null, TimeSpan.FromSeconds(60), "the daemon's one connection");
            var logFrom = host.DaemonLog.Length;
            hole = session.Pid;
            Assert.True(PosixSignals.Send(hole, PosixSignals.SIGSTOP));

            await Poll.UntilAsync(
                () => host.DaemonLog[logFrom..].Contains("did not answer a probe", StringComparison.Ordinal),
                TimeSpan.FromSeconds(120),
                "the daemon to give the silent connection up");
            File.WriteAllText(gate, "");
            foreach (var (cli, name, code) in new[] { (first, "a", 5), (second, "b", 6) })
            {
                var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(120));
                Assert.True(result.ExitCode == code, result.ToString());
                Assert.Equal($"out-{name}\n", result.StdoutText);
                Assert.True(result.Stderr.Contains("lost at byte", StringComparison.Ordinal), $"{name}: {result}\ndaemon: {host.DaemonLog[logFrom..]}");
            }
        }
        finally
        {
            File.WriteAllText(gate, "");
            if (hole > 0)
            {
                PosixSignals.Send(hole, PosixSignals.SIGKILL);
            }
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task A_stale_socket_is_left_for_a_direct_connection()
    {
        var state = Directory.CreateTempSubdirectory("sk-stale-");
        try
        {
            File.SetUnixFileMode(state.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var path = Path.Combine(state.FullName, "broker.sock");
            // A daemon that died: its socket file is left, nobody listens (.NET would unlink its own on dispose; perl does not).
            using (var perl = Process.Start("perl", ["-MIO::Socket::UNIX", "-e", "IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 1) or die qq($!\\n)", path]))
            {
                await perl.WaitForExitAsync();
                Assert.Equal(0, perl.ExitCode);
            }

            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var id = JobsHost.NewJobId("s");
            var run = await host.Cli.RunAsync(
                ["run", .. host.ConnectionOptions(), "-v", "--detach", "--id", id, host.Destination(), "--", "true"],
                new Dictionary<string, string?> { ["SESSIONKEEPER_STATE_DIR"] = state.FullName });
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(id + "\n", run.StdoutText);
            Assert.Contains("a stale socket?); connecting directly.", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task After_the_daemon_is_killed_the_next_launch_connects_directly()
    {
        var state = Directory.CreateTempSubdirectory("sk-killed-");
        var env = new Dictionary<string, string?> { ["SESSIONKEEPER_STATE_DIR"] = state.FullName };
        var daemon = host.Cli.Start(["daemon", "--broker", "--poll", "1h"], env);
        try
        {
            File.SetUnixFileMode(state.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var socket = Path.Combine(state.FullName, "broker.sock");
            await Poll.UntilAsync(() => File.Exists(socket) || daemon.HasExited, TimeSpan.FromSeconds(60), "the daemon's broker socket");
            Assert.False(daemon.HasExited, daemon.StderrText);

            var first = await LaunchAsync(env);
            Assert.Contains("using the daemon's connection to", first.Stderr, StringComparison.Ordinal);

            daemon.Kill(); // SIGKILL: the socket file stays behind
            await daemon.WaitForExitAsync();
            Assert.True(File.Exists(socket));

            var second = await LaunchAsync(env);
            Assert.Contains("a stale socket?); connecting directly.", second.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("using the daemon's connection", second.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            daemon.Kill();
            await daemon.DisposeAsync();
            state.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Launches in flight through a daemon that is stopped (SIGSTOP: they wait on it), then
    /// SIGKILLed: every CLI falls back to a direct connection or says in one line why not; no job
    /// runs twice (each appends one line to a counter file of its own), and every launch reported
    /// done has run, is journaled exited 0, and is not lost.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task Launches_waiting_on_a_daemon_that_is_SIGKILLed_fall_back_and_none_runs_twice_or_is_lost()
    {
        const int Launches = 8;
        var state = Directory.CreateTempSubdirectory("sk-waiting-");
        var counters = Directory.CreateDirectory(Path.Combine(host.Sshd.TempDir, $"counters-{Guid.NewGuid():N}"));
        var env = new Dictionary<string, string?> { ["SESSIONKEEPER_STATE_DIR"] = state.FullName };
        var daemon = host.Cli.Start(["daemon", "--broker", "--poll", "1h"], env);
        var clis = new List<(string Id, CliProcess Cli)>();
        try
        {
            File.SetUnixFileMode(state.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await Poll.UntilAsync(() => File.Exists(Path.Combine(state.FullName, "broker.sock")) || daemon.HasExited, TimeSpan.FromSeconds(60), "the daemon's broker socket");
            Assert.False(daemon.HasExited, daemon.StderrText);

            for (var k = 0; k < Launches; k++)
            {
                var id = JobsHost.NewJobId("w");
                var counter = Path.Combine(counters.FullName, id);
                clis.Add((id, host.Cli.Start(["run", .. host.ConnectionOptions(), "-v", "--detach", "--id", id, host.Destination(), "--", $"echo ran >> '{counter}'"], env)));
            }

            // Once the first job has run, the others are on their way through the daemon: stopped, it answers none of them.
            await Poll.UntilAsync(() => Directory.GetFiles(counters.FullName).Length > 0 || clis.All(c => c.Cli.HasExited), TimeSpan.FromSeconds(120), "a first job to run");
            Assert.True(daemon.Signal(PosixSignals.SIGSTOP));
            var waiting = clis.Count(c => !c.Cli.HasExited);
            daemon.Kill();
            await daemon.WaitForExitAsync();

            var succeeded = 0;
            foreach (var (id, cli) in clis)
            {
                var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(120));
                var counter = Path.Combine(counters.FullName, id);
                if (result.ExitCode == 0)
                {
                    succeeded++;
                    Assert.Equal(id + "\n", result.StdoutText);
                    await Poll.UntilAsync(() => File.Exists(counter), TimeSpan.FromSeconds(60), $"job {id} to run");
                    var status = await host.Cli.RunAsync(["wait", .. host.ConnectionOptions(), host.Destination(), id], env);
                    Assert.True(status.ExitCode == 0, $"job {id}: {status}");
                    Assert.Equal("ran\n", File.ReadAllText(counter));
                }
                else
                {
                    // A clear error: one line, no stack trace; and the job ran at most once.
                    var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("sessionkeeper: using", StringComparison.Ordinal)).ToList();
                    Assert.True(lines.Count >= 1 && !result.Stderr.Contains("   at ", StringComparison.Ordinal), result.ToString());
                    Assert.True(!File.Exists(counter) || File.ReadAllText(counter) == "ran\n", $"job {id} ran more than once: {result}");
                }
            }

            var jobs = await host.Cli.RunAsync(["jobs", "--json"], env);
            Assert.True(jobs.ExitCode == 0, jobs.ToString());
            Assert.DoesNotContain("\"lost\"", jobs.StdoutText, StringComparison.Ordinal);
            Assert.True(succeeded == Launches, $"{succeeded} of {Launches} launches succeeded ({waiting} were waiting on the daemon when it was killed): " + string.Join("\n", clis.Select(c => c.Cli.StderrText)));
        }
        finally
        {
            daemon.Kill();
            await daemon.DisposeAsync();
            foreach (var (_, cli) in clis)
            {
                await cli.DisposeAsync();
            }

            state.Delete(recursive: true);
            counters.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A brokered `run -d` goes to the connection's resident launcher (one perl process on the
    /// target, keeper.pl's serve mode), started once, not over an exec channel: the job directory has
    /// no keeper.pl, which only the runner's launch writes. The CLI prints what it prints otherwise.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task A_brokered_launch_goes_to_the_resident_launcher_started_once()
    {
        await WithDaemonAsync(async (daemon, env) =>
        {
            for (var k = 0; k < 3; k++)
            {
                var id = JobsHost.NewJobId("r");
                var run = await host.Cli.RunAsync(["run", .. host.ConnectionOptions(), "--detach", "--id", id, host.Destination(), "--", "echo resident; exit 4"], env);
                Assert.True(run.ExitCode == 0, run.ToString());
                Assert.Equal(id + "\n", run.StdoutText);
                Assert.False(File.Exists(Path.Combine(host.JobDir(id), "keeper.pl")), $"job {id} was launched over an exec channel: {daemon.StderrText}");
                var wait = await host.Cli.RunAsync(["wait", .. host.ConnectionOptions(), host.Destination(), id], env);
                Assert.True(wait.ExitCode == 4, wait.ToString());
                Assert.Equal("resident\n", File.ReadAllText(Path.Combine(host.JobDir(id), "out")));
            }

            // Another daemon's launcher (an earlier test's) ends with its connection or its idle time.
            await Poll.UntilAsync(() => Launchers().Count == 1, TimeSpan.FromSeconds(60), "one resident launcher on the target");
            Assert.Equal(1, Occurrences(daemon.StderrText, LauncherStarted));
        });
    }

    /// <summary>
    /// The resident launcher SIGKILLed on the target: the next `run -d` still works and its job runs
    /// once (a counter file), over an exec channel or a new launcher; the one after has a new launcher.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task A_launcher_killed_on_the_target_leaves_the_next_launch_working_and_run_once()
    {
        await WithDaemonAsync(async (daemon, env) =>
        {
            await LaunchCountedAsync(env);
            await Poll.UntilAsync(() => Launchers().Count == 1, TimeSpan.FromSeconds(60), "one resident launcher on the target");
            var launcher = Assert.Single(Launchers());
            Assert.Equal(0, Libc.Kill(launcher, PosixSignals.SIGKILL));
            await Poll.UntilAsync(() => !Launchers().Contains(launcher), TimeSpan.FromSeconds(30), "the launcher to die");

            await LaunchCountedAsync(env);
            await LaunchCountedAsync(env);
            Assert.Single(Launchers());
            Assert.Equal(2, Occurrences(daemon.StderrText, LauncherStarted));
        });
    }

    private string LauncherStarted => $"the resident launcher on 127.0.0.1:{host.Sshd.Port}: started";

    /// <summary>`run -d` of a job that appends to a counter file of its own; the job has run exactly once by the time `wait` answers.</summary>
    private async Task LaunchCountedAsync(Dictionary<string, string?> env)
    {
        var id = JobsHost.NewJobId("c");
        var counter = Path.Combine(host.Sshd.TempDir, "counter-" + id);
        var run = await host.Cli.RunAsync(["run", .. host.ConnectionOptions(), "--detach", "--id", id, host.Destination(), "--", $"echo ran >> '{counter}'"], env);
        Assert.True(run.ExitCode == 0, run.ToString());
        var wait = await host.Cli.RunAsync(["wait", .. host.ConnectionOptions(), host.Destination(), id], env);
        Assert.True(wait.ExitCode == 0, wait.ToString());
        Assert.Equal("ran\n", File.ReadAllText(counter));
    }

    /// <summary>A daemon of the test's own (its own state directory, idle connections kept a minute), ended after <paramref name="body"/>.</summary>
    private async Task WithDaemonAsync(Func<CliProcess, Dictionary<string, string?>, Task> body)
    {
        var state = Directory.CreateTempSubdirectory("sk-resident-");
        var env = new Dictionary<string, string?> { ["SESSIONKEEPER_STATE_DIR"] = state.FullName };
        var daemon = host.Cli.Start(["daemon", "--broker", "--broker-idle", "60s", "--poll", "1h"], env);
        try
        {
            File.SetUnixFileMode(state.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await Poll.UntilAsync(() => File.Exists(Path.Combine(state.FullName, "broker.sock")) || daemon.HasExited, TimeSpan.FromSeconds(60), "the daemon's broker socket");
            Assert.False(daemon.HasExited, daemon.StderrText);
            await body(daemon, env);
        }
        finally
        {
            daemon.Kill();
            await daemon.DisposeAsync();
            state.Delete(recursive: true);
        }
    }

    private static int Occurrences(string text, string what) =>
        (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;

    /// <summary>The resident launchers serving this class's sshd: perl processes in serve mode whose environment has its state directory.</summary>
    private List<int> Launchers()
    {
        var launchers = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (args.Length > 3 && args[0] == "perl" && args[1] == "-e" && args[3] == "serve"
                    && File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains("XDG_STATE_HOME=" + host.Sshd.RemoteStateDir))
                {
                    launchers.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended meanwhile.
            }
        }

        return launchers;
    }

    /// <summary>
    /// Earlier tests' connections idle out (2 s) first: a run binds to the least used connection,
    /// so two runs started beside two open connections would not share one.
    /// </summary>
    private Task NoConnectionsAsync() =>
        Poll.UntilAsync(() => host.Sshd.SessionProcesses().Count == 0, TimeSpan.FromSeconds(60), "earlier connections to close");

    /// <summary>`run -v --detach` of `true` with <paramref name="env"/>: exit 0 and the id printed.</summary>
    private async Task<CliResult> LaunchAsync(Dictionary<string, string?> env)
    {
        var id = JobsHost.NewJobId("k");
        var run = await host.Cli.RunAsync(["run", .. host.ConnectionOptions(), "-v", "--detach", "--id", id, host.Destination(), "--", "true"], env);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(id + "\n", run.StdoutText);
        Assert.True(Directory.Exists(host.JobDir(id)), $"job {id} has no directory");
        return run;
    }

    /// <summary>
    /// Who holds the client end of each connection to the sshd on <paramref name="port"/> (any
    /// state): pid and command line by the socket's inode, or "gone" for a socket no process has
    /// any more (a connection being closed). So a count above the limit says whose it was.
    /// </summary>
    private static string Holders(int port)
    {
        var remote = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        // A dual-stack client socket (the CLI's and the daemon's: [::ffff:127.0.0.1]) is in tcp6.
        var sockets = File.ReadLines("/proc/net/tcp").Skip(1).Concat(File.ReadLines("/proc/net/tcp6").Skip(1))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 9 && f[2].EndsWith(remote, StringComparison.Ordinal))
            .Select(f => (State: f[3], Inode: f[9]))
            .ToList();
        var owners = new Dictionary<string, string>();
        foreach (var proc in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(proc, "fd")))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                    {
                        var command = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ').Trim();
                        owners.TryAdd(target[8..^1], $"{Path.GetFileName(proc)} {command[..Math.Min(command.Length, 160)]}");
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended meanwhile.
            }
        }

        return string.Join("; ", sockets.Select(s => $"state {s.State}: {owners.GetValueOrDefault(s.Inode, "gone")}"));
    }

    /// <summary>TCP connections established to <paramref name="port"/> on the sshd side, from /proc/net/tcp (as `ss -tn` shows them).</summary>
    /// <remarks>
    /// Counted once per connection (local and remote address): /proc/net/tcp is made in pieces, and
    /// a socket table that changes between two reads (other tests' connections opening and closing
    /// beside this one) shows some sockets twice. Six established were once counted against one
    /// client socket.
    /// </remarks>
    private static int Established(int port)
    {
        var local = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 3 && f[1].EndsWith(local, StringComparison.Ordinal) && f[3] == "01")
            .Select(f => (Local: f[1], Remote: f[2]))
            .Distinct()
            .Count();
    }
}
