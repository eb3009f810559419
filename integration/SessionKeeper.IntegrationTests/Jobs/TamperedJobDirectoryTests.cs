using System.Diagnostics;
using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// Job directories tampered with on the target (issue 9, items 8, 13, 14, 15): a FIFO or a symlink
/// where a state file should be, forged exit records, garbled identity files, a truncated log.
/// Each is named as what it is, at once, and nothing is left running on the target.
/// </summary>
[LongRunning(75)]
public sealed class TamperedJobDirectoryTests(JobsHost host) : IClassFixture<JobsHost>
{
    /// <summary>Far above what any of these calls needs (attach on a FIFO log used to never return).</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact(Timeout = 180000)]
    public async Task A_fifo_as_the_stdout_file_is_refused_at_once_and_leaves_nothing_blocked_on_the_target()
    {
        var id = await FinishedJobAsync();
        var log = Path.Combine(host.JobDir(id), "out");
        File.Delete(log);
        MakeFifo(log);

        foreach (var verb in new[] { "status", "logs", "attach" })
        {
            var result = await host.RunAsync(verb, [id], verb == "status" ? ["--refresh"] : null, timeout: Bound); // the target's view, not the journal's
            Assert.True(result.ExitCode == 250, $"{verb}: {result}");
            Assert.Contains("'out' in the job directory", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("not a regular file", result.Stderr, StringComparison.Ordinal);
        }

        // Nothing of those calls is left on the target (a reader of the FIFO would block forever).
        // A runner shell is reaped a moment after its sshd session process exits, so both are polled.
        // Brokered, the daemon keeps its one connection for the next CLI: only the shells must go.
        await Poll.UntilAsync(
            () => host.Sshd.SessionProcesses().Count <= (host.IsBrokered ? 1 : 0) && RunnerProcesses().Count == 0,
            TimeSpan.FromSeconds(30),
            "the sessions and runner shells of the refused calls to end");
        Assert.Empty(RunnerProcesses());
    }

    [Fact(Timeout = 120000)]
    public async Task A_stderr_file_symlinked_elsewhere_is_never_shown_as_output()
    {
        var id = await FinishedJobAsync();
        var log = Path.Combine(host.JobDir(id), "err");
        File.Delete(log);
        File.CreateSymbolicLink(log, "/etc/passwd");

        var logs = await host.RunAsync("logs", [id], timeout: Bound);

        Assert.True(logs.ExitCode == 250, logs.ToString());
        Assert.DoesNotContain("root:", logs.StdoutText, StringComparison.Ordinal);
        Assert.Contains("'err' in the job directory", logs.Stderr, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120000)]
    [InlineData("exit")]
    [InlineData("pid")]
    public async Task A_symlinked_state_file_is_refused(string name)
    {
        var id = await FinishedJobAsync();
        var file = Path.Combine(host.JobDir(id), name);
        var elsewhere = Path.Combine(host.Sshd.TempDir, $"elsewhere-{id}-{name}");
        File.Copy(file, elsewhere);
        File.Delete(file);
        File.CreateSymbolicLink(file, elsewhere);

        var status = await host.RunAsync("status", [id], ["--refresh"], timeout: Bound);

        Assert.True(status.ExitCode == 250, status.ToString());
        Assert.Contains($"'{name}' in the job directory", status.Stderr, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120000)]
    [InlineData("v1 killed 0 999 0 1700000000")]
    [InlineData("v1 exited 300 0 0 1700000000")]
    public async Task A_forged_exit_record_is_reported_as_malformed_and_wait_does_not_exit_with_it(string record)
    {
        var id = await FinishedJobAsync();
        File.WriteAllText(Path.Combine(host.JobDir(id), "exit"), record + "\n");

        var status = await host.StatusAsync(id, refresh: true);
        var wait = await host.RunAsync("wait", [id], timeout: Bound);

        Assert.Equal(("lost", "malformed-exit-record"), (status.State, status.LostReason));
        Assert.Null(status.ExitCode);
        Assert.True(wait.ExitCode == 247, wait.ToString());
        Assert.Contains("malformed exit record", wait.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// Item 15: the kill worked through the cookie fallback (the starttime file was garbled, so the
    /// identity check failed), and then that file's text, echoed into the status reply, failed it
    /// as "malformed reply: field 'touch'" (250).
    /// </summary>
    [Fact(Timeout = 120000)]
    public async Task A_kill_through_the_cookie_fallback_says_what_happened()
    {
        var id = await host.LaunchAsync("exec sleep 300");
        var job = host.RecordedIdentity(id);
        File.WriteAllText(Path.Combine(host.JobDir(id), "starttime"), $"{job.StartTime}; touch /tmp/sk-item15\n");

        var kill = await host.RunAsync("kill", [id], ["--grace", "5s"], timeout: TimeSpan.FromSeconds(60));

        Assert.True(kill.ExitCode == 0, kill.ToString());
        Assert.Contains("sent SIGTERM", kill.StdoutText, StringComparison.Ordinal);
        Assert.Contains("killed by signal 15", kill.StdoutText, StringComparison.Ordinal);
        Assert.False(ProcFs.IsAlive(job.Pid, job.StartTime), "the job survived its kill");
    }

    /// <summary>Item 13: logs and attach make the same check against what this workstation already received.</summary>
    [Fact(Timeout = 180000)]
    public async Task A_truncated_log_is_noticed_by_logs_as_by_attach()
    {
        var gate = Path.Combine(host.Sshd.TempDir, "gate-" + Guid.NewGuid().ToString("N"));
        var id = await host.LaunchAsync($"echo first; echo second; while [ ! -e '{gate}' ]; do sleep 0.1; done");
        await using (var attach = host.Start("attach", [id]))
        {
            // The mirror holds both lines once attach has printed them; Ctrl-C detaches.
            await attach.WaitForStdoutAsync("second\n", TimeSpan.FromSeconds(60));
            attach.Signal(2);
            Assert.Equal(130, await attach.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        }

        File.WriteAllText(Path.Combine(host.JobDir(id), "out"), "");
        try
        {
            foreach (var verb in new[] { "logs", "attach" })
            {
                var result = await host.RunAsync(verb, [id], timeout: Bound);
                Assert.True(result.ExitCode == 250, $"{verb}: {result}");
                Assert.Contains("truncated or replaced", result.Stderr, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.WriteAllText(gate, "");
        }
    }

    private async Task<string> FinishedJobAsync()
    {
        var id = await host.LaunchAsync("echo out");
        var wait = await host.RunAsync("wait", [id], timeout: TimeSpan.FromSeconds(60));
        Assert.True(wait.ExitCode == 0, wait.ToString());
        return id;
    }

    /// <summary>Runners ("/bin/sh -s") started through this fixture's sshd that still live.</summary>
    private List<string> RunnerProcesses()
    {
        var marker = $"{SshdFixture.MarkerVariable}={host.Sshd.TempDir}";
        return [.. ProcFs.Snapshot()
            .Where(p => !p.IsZombie && ProcFs.EnvironmentContains(p.Pid, marker) && ProcFs.ReadCommandLine(p.Pid).Contains(" -s", StringComparison.Ordinal))
            .Select(p => p.Pid.ToString(CultureInfo.InvariantCulture) + " " + ProcFs.ReadCommandLine(p.Pid))];
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path])!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}
