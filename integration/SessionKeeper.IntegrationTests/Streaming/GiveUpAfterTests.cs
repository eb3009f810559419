using SessionKeeper.IntegrationTests.Infrastructure;
using SessionKeeper.IntegrationTests.Jobs;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// Issue 9 item 8: --give-up-after bounds the whole attach. Here every connection succeeds and then
/// says nothing (its sshd session process is stopped as soon as it appears), so each reconnection
/// "works": the clock must not restart with each of them.
/// </summary>
public sealed class GiveUpAfterTests(JobsHost host) : IClassFixture<JobsHost>
{
    [Fact(Timeout = 300000)]
    public async Task Attach_gives_up_when_connections_succeed_but_the_target_never_answers()
    {
        var id = await host.LaunchAsync("exec sleep 300");
        var job = host.RecordedIdentity(id);
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
            // A generous bound: attach used to reconnect forever here.
            var attach = await host.RunAsync(
                "attach", [id], ["--give-up-after", "20s", "--dead-after", "2s", "--heartbeat", "200ms"], timeout: TimeSpan.FromSeconds(200));

            Assert.True(attach.ExitCode == 249, attach.ToString());
            Assert.Contains("--give-up-after", attach.Stderr, StringComparison.Ordinal);
            Assert.True(stopped.Count > 0, $"no connection was made: the test did not test what it says. {attach}");
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

        Assert.True(ProcFs.IsAlive(job.Pid, job.StartTime), "the job must keep running");
        var kill = await host.RunAsync("kill", [id], ["--grace", "1s"]);
        Assert.True(kill.ExitCode == 0, kill.ToString());
    }
}
