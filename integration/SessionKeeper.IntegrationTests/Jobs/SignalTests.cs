using System.Diagnostics;
using System.Text;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// Signals as under ssh: a job starts with the dispositions and mask `ssh HOST CMD` gives, gets
/// any signal on request (`kill --signal`), and Ctrl-C can be forwarded (`--interrupt signal`).
/// </summary>
public abstract class SignalTests(JobsHost host)
{
    private const string Probe = "grep -E '^Sig(Ign|Blk):' /proc/self/status";

    /// <summary>Checkpoints on SIGINT and exits 3; "ready" once the trap is set.</summary>
    private const string Checkpointer = "trap 'echo checkpoint; kill $! 2>/dev/null; exit 3' INT; sleep 300 & echo ready; wait";

    [SkippableTheory(Timeout = 120000)]
    [InlineData(null)]
    [InlineData("/bin/bash")]
    [InlineData("/usr/bin/fish")]
    public async Task A_job_starts_with_the_signal_dispositions_and_mask_of_ssh_host_cmd(string? loginShell)
    {
        string? user = null;
        if (loginShell is not null)
        {
            Skip.IfNot(SshdFixture.IsRoot, $"needs root to create a user whose login shell is {loginShell}");
            user = await PrepareUserAsync(loginShell);
        }

        var ssh = await host.Sshd.RunOpenSshAsync(Probe, new OpenSshOptions { User = user }, CancellationToken.None);
        var run = await host.RunAsync("run", ["--", Probe], user: user);

        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches("^SigBlk:\t[0-9a-f]{16}\nSigIgn:\t[0-9a-f]{16}\n$", ssh.StdoutText);
        Assert.Equal(ssh.StdoutText, run.StdoutText);
    }

    [Fact(Timeout = 120000)]
    public async Task Status_json_says_which_signals_the_job_started_with_ignored()
    {
        var id = await host.LaunchAsync("exec sleep 300");

        var status = await host.RunAsync("status", [id], ["--json"]);

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("\"signals_ignored_at_start\":[]", status.StdoutText, StringComparison.Ordinal);
        Assert.Contains("\"signals_blocked_at_start\":[]", status.StdoutText, StringComparison.Ordinal);
        // keeper.pl resets them itself where perl exists; wrapper.sh's job starts through GNU env.
        var reset = Environment.GetEnvironmentVariable("SESSIONKEEPER_TEST_TIER") is "posix" ? "env" : "perl";
        Assert.Contains($"\"signal_reset\":\"{reset}\"", status.StdoutText, StringComparison.Ordinal);
        await host.RunAsync("kill", [id], ["--grace", "1s"]);
    }

    [Fact(Timeout = 120000)]
    public async Task Kill_signal_int_lets_a_job_checkpoint_and_its_own_exit_code_comes_back()
    {
        var id = await host.LaunchAsync(Checkpointer);
        await Poll.UntilAsync(() => File.ReadAllText(Path.Combine(host.JobDir(id), "out")).Contains("ready", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the job to set its trap");

        var kill = await host.RunAsync("kill", [id], ["--signal", "INT"]);

        Assert.True(kill.ExitCode == 0, kill.ToString());
        Assert.Contains("sent SIGINT", kill.StdoutText, StringComparison.Ordinal);
        var wait = await host.RunAsync("wait", [id]);
        Assert.True(wait.ExitCode == 3, wait.ToString());
        var status = await host.StatusAsync(id);
        Assert.Equal(("exited", 3), (status.State, status.ExitCode));
        Assert.Equal("ready\ncheckpoint\n", File.ReadAllText(Path.Combine(host.JobDir(id), "out")));
    }

    [Fact(Timeout = 120000)]
    public async Task Kill_signal_int_ends_a_job_without_a_trap_as_killed_by_sigint()
    {
        var id = await host.LaunchAsync("exec sleep 300");

        var kill = await host.RunAsync("kill", [id], ["--signal", "2"]);

        Assert.True(kill.ExitCode == 0, kill.ToString());
        var wait = await host.RunAsync("wait", [id]);
        Assert.True(wait.ExitCode == 130, wait.ToString());
        var status = await host.StatusAsync(id);
        Assert.Equal(("killed", 2), (status.State, status.Signal));
    }

    [Fact(Timeout = 60000)]
    public async Task An_unknown_signal_name_is_refused_before_anything_is_sent()
    {
        var id = await host.FinishedJobAsync();

        var kill = await host.RunAsync("kill", [id], ["--signal", "NOPE"]);

        Assert.True(kill.ExitCode == 251, kill.ToString());
        Assert.Contains("unknown signal 'NOPE'", kill.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 120000)]
    public async Task Interrupt_signal_on_a_terminal_forwards_ctrl_c_to_the_job_and_its_exit_code_comes_back()
    {
        Skip.IfNot(File.Exists("/usr/bin/script"), "util-linux script is not installed");
        var args = host.Arguments("run", ["--", Checkpointer], ["--interrupt", "signal"]);
        // exec: the shell script(1) starts must not stay in the terminal's foreground group, where
        // Ctrl-C would end it (dash does not exec a lone command) and script would report 130.
        var command = "exec " + string.Join(' ', new[] { host.Cli.FileName }.Concat(host.Cli.LeadingArguments).Concat(args).Select(Quote));
        var psi = new ProcessStartInfo("/usr/bin/script");
        foreach (var arg in (string[])["-q", "-e", "-c", command, "/dev/null"])
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["SESSIONKEEPER_STATE_DIR"] = host.LocalStateDir;
        psi.Environment["TERM"] = "xterm-256color";
        psi.Environment["SHELL"] = "/bin/sh";
        await using var terminal = CliProcess.Start(psi, keepStdinOpen: true);
        await terminal.WaitForStdoutAsync("ready", TimeSpan.FromSeconds(60));

        await terminal.WriteStdinAsync(Encoding.ASCII.GetBytes("\u0003")); // Ctrl-C, typed on the terminal

        var result = await terminal.WaitForResultAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("checkpoint", result.StdoutText, StringComparison.Ordinal);
        Assert.Contains("sent SIGINT to job", result.StdoutText, StringComparison.Ordinal);
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private async Task<string> PrepareUserAsync(string loginShell)
    {
        var user = await host.Sshd.EnsureUserWithShellAsync(loginShell);
        foreach (var dir in new[] { Path.GetDirectoryName(host.RemoteJobsDir)!, host.RemoteJobsDir })
        {
            Directory.CreateDirectory(dir);
            File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("1777", 8));
        }

        return user;
    }

    /// <summary>Every CLI call connects by itself.</summary>
    public sealed class Direct(JobsHost host) : SignalTests(host), IClassFixture<JobsHost>;

    /// <summary>Every CLI call goes through a daemon's broker: the same assertions.</summary>
    public sealed class Brokered(BrokeredJobsHost host) : SignalTests(host), IClassFixture<BrokeredJobsHost>;
}
