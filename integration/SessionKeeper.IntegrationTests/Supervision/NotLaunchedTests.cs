using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// A launch the user was told failed must never run later by itself. Connection refused, host key
/// refused, authentication refused and no usable key (the identity file missing, or readable by
/// others so that it is skipped as ssh skips it) prove that nothing was sent: the job is journaled
/// `not-launched`, and once the cause is gone neither `resume` nor the daemon runs it (a counter
/// file on the target proves it); only `retry JOB` does, exactly once. `rm --local` forgets it.
/// </summary>
[LongRunning(100)]
public sealed class NotLaunchedTests(SupervisionHost host, ITestOutputHelper output) : IClassFixture<SupervisionHost>
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    /// <summary>No ssh-agent: the key on the command line is the only one there is.</summary>
    private static readonly Dictionary<string, string?> NoAgent = new() { ["SSH_AUTH_SOCK"] = null };

    [Theory(Timeout = 120_000)]
    [InlineData("connection-refused", new[] { 255, 249 })]
    [InlineData("host-key-refused", new[] { 254 })]
    [InlineData("auth-refused", new[] { 253 })]
    [InlineData("no-key", new[] { 253 })]
    [InlineData("unprotected-key", new[] { 253 })]
    public async Task A_launch_refused_before_sending_is_never_run_by_resume_or_the_daemon(string cause, int[] exitCodes)
    {
        var workstation = host.NewWorkstation(cause);
        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var id = SupervisionHost.NewJobId("nl");
        var counter = host.TempFile(id + ".count");
        var knownHosts = host.TempFile(id + ".known_hosts");
        var key = host.TempFile(id + ".key");
        File.Copy(host.ConnectionOptions(proxy)[5], knownHosts);
        File.Copy(host.Sshd.UserKeyPath, key);
        switch (cause)
        {
            case "connection-refused":
                proxy.Refuse();
                break;
            case "host-key-refused":
                await File.WriteAllTextAsync(knownHosts, "");
                break;
            case "no-key":
                File.Delete(key);
                break;
            case "unprotected-key":
                File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                break;
            default:
                File.Delete(key);
                await SshKeyGen.GenerateAsync(key, "ed25519", CancellationToken.None);
                break;
        }

        string[] connection = ["-p", proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", key, "--known-hosts", knownHosts, "--connect-timeout", "10s"];
        var run = await workstation.RunAsync(["run", .. connection, "--id", id, "--shell", "/bin/sh", .. SupervisionHost.Fast, host.Destination, "--", $"echo x >> '{counter}'; exit 3"], NoAgent, Step);
        output.WriteLine($"run: {run}");
        Assert.True(exitCodes.Contains(run.ExitCode), run.ToString());
        if (cause == "no-key")
        {
            Assert.Contains("no usable key", run.Stderr, StringComparison.Ordinal);
        }
        else if (cause == "unprotected-key")
        {
            Assert.Contains("UNPROTECTED PRIVATE KEY FILE", run.Stderr, StringComparison.Ordinal);
        }

        var entry = await workstation.JobAsync(id);
        Assert.Equal(("not-launched", "not-launched"), (entry.Phase, entry.State));

        // The cause goes away: the same command line would now work.
        proxy.Resume();
        File.Copy(host.ConnectionOptions(proxy)[5], knownHosts, overwrite: true);
        File.Copy(host.Sshd.UserKeyPath, key, overwrite: true);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Delete(key + ".pub");

        var resume = await workstation.RunAsync(["resume", .. SupervisionHost.Fast], timeout: Step);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Equal("nothing to resume.\n", resume.StdoutText);
        Assert.Contains("never launched", resume.Stderr, StringComparison.Ordinal);

        // Following it is no way to start it either.
        var attach = await workstation.RunAsync(["attach", id, .. SupervisionHost.Fast], timeout: Step);
        Assert.True(attach.ExitCode == 251, attach.ToString());
        Assert.Contains("never launched", attach.Stderr, StringComparison.Ordinal);

        await RunDaemonOverAsync(workstation);
        Assert.False(File.Exists(counter), "a job the user was told failed ran later");
        Assert.Equal("not-launched", (await workstation.JobAsync(id)).Phase);

        // Asked for by name, it runs, once.
        var retry = await workstation.RunAsync(["retry", id, .. SupervisionHost.Fast], timeout: Step);
        Assert.True(retry.ExitCode == 3, retry.ToString());
        Assert.Equal("x\n", await File.ReadAllTextAsync(counter));
        Assert.Equal(("finished", "exited", 3), ((await workstation.JobAsync(id)).Phase, (await workstation.JobAsync(id)).State, (await workstation.JobAsync(id)).ExitCode));
        var again = await workstation.RunAsync(["resume", .. SupervisionHost.Fast], timeout: Step);
        Assert.Equal("nothing to resume.\n", again.StdoutText);
        Assert.Equal("x\n", await File.ReadAllTextAsync(counter));
    }

    [Fact(Timeout = 120_000)]
    public async Task A_launch_killed_before_anything_was_sent_is_left_to_retry_and_can_be_forgotten()
    {
        var workstation = host.NewWorkstation("after-plan");
        var id = SupervisionHost.NewJobId("plan");
        var counter = host.TempFile(id + ".count");
        var run = await workstation.RunAsync(
            host.RunArguments(id, $"echo x >> '{counter}'", SupervisionHost.Fast),
            new Dictionary<string, string?> { ["SESSIONKEEPER_FAULT"] = "after-plan" },
            Step);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal(("planned", "planned"), ((await workstation.JobAsync(id)).Phase, (await workstation.JobAsync(id)).State));

        var resume = await workstation.RunAsync(["resume", .. SupervisionHost.Fast], timeout: Step);
        Assert.Equal("nothing to resume.\n", resume.StdoutText);
        await RunDaemonOverAsync(workstation);
        Assert.False(File.Exists(counter), "a job whose launch was never sent ran later");

        var forget = await workstation.RunAsync(["rm", "--local", id], timeout: Step);
        Assert.True(forget.ExitCode == 0, forget.ToString());
        Assert.DoesNotContain(await workstation.JobsAsync(), j => j.Id == id);
        Assert.False(File.Exists(counter));
    }

    /// <summary>
    /// Runs the daemon until it has supervised a sentinel job of its own to its end: by then it
    /// has seen the whole journal at least once.
    /// </summary>
    private async Task RunDaemonOverAsync(Workstation workstation)
    {
        var sentinel = SupervisionHost.NewJobId("sentinel");
        var gate = host.TempFile(sentinel + ".go");
        var launched = await workstation.RunAsync(host.RunArguments(sentinel, $"while [ ! -e '{gate}' ]; do sleep 0.1; done; exit 0", ["--detach", .. SupervisionHost.Fast]), timeout: Step);
        Assert.True(launched.ExitCode == 0, launched.ToString());
        await using var daemon = workstation.StartDaemon();
        await Poll.UntilAsync(() => daemon.StderrText.Contains(sentinel, StringComparison.Ordinal), Step, () => $"the daemon to pick up {sentinel}\n{daemon.StderrText}");
        await File.WriteAllTextAsync(gate, "");
        try
        {
            await workstation.WaitForJournalAsync(j => j.Any(e => e.Id == sentinel && e.Phase == "finished"), TimeSpan.FromSeconds(60), $"{sentinel} finished by the daemon");
        }
        finally
        {
            daemon.Signal(PosixSignals.SIGTERM);
            await daemon.WaitForExitAsync().WaitAsync(Step);
            output.WriteLine($"daemon:\n{daemon.StderrText}");
        }
    }
}
