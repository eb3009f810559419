using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// Issue 9 item 8: --give-up-after bounds the whole attach, not each connection. Against a real
/// sshd: a link black-holed mid-stream (every reconnection then hangs in the handshake), and links
/// that connect and authenticate and then say nothing (the sshd session process is stopped as
/// soon as it appears, so the stream request is never answered). Either way attach ends with exit
/// 249 and the --give-up-after message, and the job keeps running. The exact instant is checked on
/// a fake clock in AttacherGiveUpTests; here only a generous overall bound holds.
/// </summary>
[Collection(StreamingTests.Name)]
public sealed class GiveUpAfterTests(StreamHost host) : IClassFixture<StreamHost>
{
    private static readonly string[] Options = ["-v", "--give-up-after", "10s", "--dead-after", "2s", "--heartbeat", "200ms", "--max-backoff", "1s"];

    /// <summary>Generous: attach used to reconnect forever in both cases.</summary>
    private static readonly TimeSpan Overall = TimeSpan.FromSeconds(150);

    [Fact(Timeout = 300_000)]
    public async Task Attach_gives_up_on_a_link_black_holed_mid_stream()
    {
        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var id = await host.LaunchAsync("echo started; exec sleep 300", proxy);
        try
        {
            await using var cli = host.Start("attach", [id], Options, proxy);
            await cli.WaitForStdoutAsync("started", TimeSpan.FromSeconds(60));
            proxy.BlackHole();

            var attach = await cli.WaitForResultAsync(Overall);
            AssertGaveUp(attach);
            Assert.Contains("no heartbeat from", attach.Stderr, StringComparison.Ordinal);
            AssertStillRuns(id);
        }
        finally
        {
            proxy.ResetAll();
            proxy.Resume();
            var kill = await host.RunAsync("kill", [id], ["--grace", "1s"], proxy, Overall);
            Assert.True(kill.ExitCode == 0, kill.ToString());
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task Attach_gives_up_when_connections_succeed_but_the_target_never_answers()
    {
        var id = await host.LaunchAsync("exec sleep 300");
        var stopped = new HashSet<int>();
        using var stop = new CancellationTokenSource();
        var stopper = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var session in host.Sshd.SessionProcesses())
                {
                    if (SshdFixture.Signal(session.Pid, PosixSignals.SIGSTOP))
                    {
                        lock (stopped)
                        {
                            stopped.Add(session.Pid);
                        }
                    }
                }

                await Task.Delay(10, CancellationToken.None);
            }
        });
        try
        {
            var attach = await host.RunAsync("attach", [id], Options, timeout: Overall);
            AssertGaveUp(attach);
            lock (stopped)
            {
                Assert.True(stopped.Count > 0, $"no connection was made: the test did not test what it says. {attach}");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await stopper;
            lock (stopped)
            {
                foreach (var pid in stopped)
                {
                    SshdFixture.Signal(pid, PosixSignals.SIGKILL);
                    SshdFixture.Signal(pid, PosixSignals.SIGCONT);
                }
            }
        }

        AssertStillRuns(id);
        var kill = await host.RunAsync("kill", [id], ["--grace", "1s"]);
        Assert.True(kill.ExitCode == 0, kill.ToString());
    }

    private static void AssertGaveUp(CliResult attach)
    {
        Assert.True(attach.ExitCode == 249, attach.ToString());
        Assert.Contains("gave up reconnecting", attach.Stderr, StringComparison.Ordinal);
        Assert.Contains("; the job keeps running there; `--give-up-after` sets how long to keep trying.", attach.Stderr, StringComparison.Ordinal);
    }

    private void AssertStillRuns(string id)
    {
        var (pid, start) = JobDirFiles.Identity(host.JobDir(id));
        Assert.True(ProcFs.IsAlive(pid, start), "the job must keep running");
    }
}
