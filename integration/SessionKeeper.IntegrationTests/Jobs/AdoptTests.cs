using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// `adopt`: processes started by hand in a real interactive `ssh -tt` session (a foreground loop,
/// a background job, a foreground pipeline) are adopted from another connection, then the session
/// is cut (SIGKILL of its sshd) or closed by its client (SIGHUP, as a closed terminal window does):
/// they live on, their output after the adoption is in the job's files with no gap (a counter
/// proves it), `attach` follows it live, and `kill` ends each group.
/// </summary>
public sealed class AdoptTests(JobsHost host) : IClassFixture<JobsHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The interactive session's processes adopted, once per login shell. Each shell is a class of
    /// its own on its own sshd: xunit runs classes in parallel and the cases of one class in a row,
    /// and each run takes over a minute (three adopts through gdb, ten seconds of survival, then
    /// kill, status, wait, logs and rm of each job).
    /// </summary>
    public abstract class InteractiveSession(JobsHost host, string shell)
    {
        [SkippableFact(Timeout = 300000)]
        public async Task Processes_of_an_interactive_session_survive_its_end_once_adopted_with_no_gap_in_their_output()
        {
            Skip.IfNot(SshdFixture.IsRoot, "needs root to create a user whose login shell is " + shell);
            Skip.IfNot(File.Exists(shell), shell + " is not installed");
            var user = await PrepareUserAsync(host, shell);

            // Session 1: a background job, then a foreground loop run by the interactive shell itself.
            // dash and zsh abort a command they run themselves once the terminal is hung up (dash:
            // "Cannot set tty process group", zsh: "bad tcgets", on a descriptor of their own, whatever
            // their signal dispositions and descriptors 0-2), so there the loop is a program.
            var zsh = Path.GetFileName(shell) != "bash";
            await using var first = StartInteractive(host, user);
            await first.WriteStdinAsync(Encoding.ASCII.GetBytes(
                "echo SHPID $$\n" +
                "( i=0; while :; do i=$((i+1)); echo \"B $i\"; sleep 0.2; done ) &\n" +
                "echo BGPID $!\n" +
                (zsh
                    ? "sh -c 'echo FGPID $$; i=0; while :; do i=$((i+1)); echo \"A $i\"; sleep 0.2; done'\n"
                    : "i=0; while :; do i=$((i+1)); echo \"A $i\"; sleep 0.2; done\n")));
            var shellPid = await PidAsync(first, "SHPID");
            var foregroundPid = zsh ? await PidAsync(first, "FGPID") : shellPid;
            var backgroundPid = await PidAsync(first, "BGPID");
            await Poll.UntilAsync(() => Counters(first.StdoutText, "A").Count >= 3, Patience, "the foreground loop to print");

            // Session 2: a foreground pipeline; the producer says its pid through the pipe.
            await using var second = StartInteractive(host, user);
            await second.WriteStdinAsync(Encoding.ASCII.GetBytes(
                "sh -c 'echo PRODUCER $$; i=0; while :; do i=$((i+1)); echo \"P $i\"; sleep 0.2; done' | sh -c 'while read -r l; do echo \"C $l\"; done'\n"));
            var producerPid = await PidAsync(second, "C PRODUCER");
            await Poll.UntilAsync(() => Counters(second.StdoutText, "C P").Count >= 3, Patience, "the pipeline to print");

            // adopt HOST lists them, each with its terminal and role.
            var list = await host.RunAsync("adopt", [], user: user);
            Assert.True(list.ExitCode == 0, list.ToString());
            Assert.Matches($@"(?m)^\s*{shellPid}\s+{shellPid}\s+pts/\d+\s+\S+\s+shell\s", list.StdoutText);
            Assert.Matches($@"(?m)^\s*{foregroundPid}\s+{foregroundPid}\s+pts/\d+\s+\S+\s+{(zsh ? "foreground" : "shell")}\s", list.StdoutText);
            Assert.Matches($@"(?m)^\s*{backgroundPid}\s+{backgroundPid}\s+pts/\d+\s+\S+\s+background\s", list.StdoutText);
            Assert.Matches($@"(?m)^\s*{producerPid}\s+{producerPid}\s+pts/\d+\s+\S+\s+foreground\s", list.StdoutText);

            var jobs = new[]
            {
                (Id: await AdoptAsync(host, user, foregroundPid, "a"), Pid: foregroundPid, Session: first, Prefix: "A"),
                (Id: await AdoptAsync(host, user, backgroundPid, "b"), Pid: backgroundPid, Session: first, Prefix: "B"),
                (Id: await AdoptAsync(host, user, producerPid, "c"), Pid: producerPid, Session: second, Prefix: "C P"),
            };

            // No gap: the first number in each job's out follows the last one its terminal showed.
            var firsts = new Dictionary<string, long>();
            foreach (var job in jobs)
            {
                var firstLogged = await Poll.ValueAsync(() => Counters(ReadOut(host, job.Id), job.Prefix) is [var n, ..] ? n : (long?)null, Patience, $"output of {job.Id} in its out file");
                await Poll.UntilAsync(() => Counters(job.Session.StdoutText, job.Prefix).Contains(firstLogged - 1), Patience, $"the terminal to show {job.Prefix} {firstLogged - 1}");
                firsts[job.Id] = firstLogged;
            }

            var identities = jobs.ToDictionary(j => j.Id, j => (j.Pid, Start: ProcFs.TryReadStat(j.Pid)!.Value.StartTime));

            // The end of both sessions: session 1 cut (SIGKILL of its sshd), session 2 closed by its client.
            var sshdOfFirst = ProcFs.TryReadStat(shellPid)!.Value.ParentPid;
            Assert.Contains(sshdOfFirst, host.Sshd.SessionProcesses(user).Select(p => p.Pid));
            Assert.True(SshdFixture.Signal(sshdOfFirst, PosixSignals.SIGKILL));
            Assert.True(second.Signal(PosixSignals.SIGHUP));
            await first.WaitForResultAsync(Patience);
            await second.WaitForResultAsync(Patience);
            var ended = Stopwatch.StartNew();
            var atEnd = jobs.ToDictionary(j => j.Id, j => Counters(ReadOut(host, j.Id), j.Prefix).LastOrDefault());

            // Ten seconds later, and 20 numbers later, every adopted process is alive and still writing.
            foreach (var job in jobs)
            {
                await Poll.UntilAsync(() => Counters(ReadOut(host, job.Id), job.Prefix).LastOrDefault() >= atEnd[job.Id] + 20, Patience, $"{job.Id} to write on after the session ended");
            }

            await Poll.UntilAsync(() => ended.Elapsed >= TimeSpan.FromSeconds(10), Patience, "ten seconds after the end of the sessions");
            foreach (var job in jobs)
            {
                Assert.True(ProcFs.IsAlive(identities[job.Id].Pid, identities[job.Id].Start), $"{job.Id} (pid {job.Pid}) died");
                var numbers = Counters(ReadOut(host, job.Id), job.Prefix);
                Assert.Equal(firsts[job.Id], numbers[0]);
                Assert.Equal(Enumerable.Range(0, numbers.Count).Select(i => firsts[job.Id] + i), numbers);
                Assert.DoesNotContain(Counters(job.Session.StdoutText, job.Prefix), n => n >= firsts[job.Id]);
                var status = await host.StatusAsync(job.Id, user);
                Assert.Equal("running", status.State);
            }

            // attach shows the output live.
            var background = jobs[1];
            await using (var attach = host.Start("attach", [background.Id], user: user))
            {
                var now = Counters(ReadOut(host, background.Id), "B").Last();
                await Poll.UntilAsync(() => Counters(attach.StdoutText, "B").LastOrDefault() > now + 2, Patience, "attach to show new output");
                attach.Signal(PosixSignals.SIGINT);
                await attach.WaitForResultAsync(Patience);
            }

            // kill ends each whole group; the exit status stays unknown.
            foreach (var job in jobs)
            {
                var pgid = ProcFs.TryReadStat(job.Pid)!.Value.ProcessGroup;
                var kill = await host.RunAsync("kill", [job.Id], ["--grace", "2s"], user);
                Assert.True(kill.ExitCode == 0, kill.ToString());
                await Poll.UntilAsync(() => !ProcFs.Snapshot().Any(p => p.ProcessGroup == pgid && !p.IsZombie), Patience, $"group {pgid} of {job.Id} to be empty");
                var status = await host.RunAsync("status", [job.Id], ["--json"], user);
                Assert.Contains("\"state\":\"ended\"", status.StdoutText, StringComparison.Ordinal);
                Assert.Contains("\"exit_status\":\"unknown (adopted)\"", status.StdoutText, StringComparison.Ordinal);
                var text = await host.RunAsync("status", [job.Id], user: user);
                Assert.Contains("ended, exit status unknown (adopted)", text.StdoutText, StringComparison.Ordinal);
                var wait = await host.RunAsync("wait", [job.Id], user: user);
                Assert.True(wait.ExitCode == 247, wait.ToString());
                Assert.Contains("exit status is unknown (adopted", wait.Stderr, StringComparison.Ordinal);
            }

            var logs = await host.RunAsync("logs", [jobs[2].Id], user: user);
            Assert.Contains($"C P {firsts[jobs[2].Id]}\n", logs.StdoutText, StringComparison.Ordinal);
            var rm = await host.RunAsync("rm", [jobs[2].Id], user: user);
            Assert.True(rm.ExitCode == 0, rm.ToString());
            Assert.False(Directory.Exists(host.JobDir(jobs[2].Id)));
        }
    }

    /// <summary>The interactive session's login shell is bash.</summary>
    [LongRunning(60)]
    public sealed class Bash(JobsHost host) : InteractiveSession(host, "/bin/bash"), IClassFixture<JobsHost>;

    /// <summary>The interactive session's login shell is dash.</summary>
    public sealed class Dash(JobsHost host) : InteractiveSession(host, "/bin/dash"), IClassFixture<JobsHost>;

    /// <summary>The interactive session's login shell is zsh.</summary>
    public sealed class Zsh(JobsHost host) : InteractiveSession(host, "/usr/bin/zsh"), IClassFixture<JobsHost>;

    [SkippableFact(Timeout = 120000)]
    public async Task Refusals_name_the_problem_adopt_nothing_and_exit_with_their_own_code()
    {
        Skip.IfNot(SshdFixture.IsRoot, "needs root to create a second user");
        var user = await PrepareUserAsync(host, "/bin/bash");

        var other = await host.RunAsync("adopt", [Environment.ProcessId.ToString(CultureInfo.InvariantCulture)], user: user);
        var init = await host.RunAsync("adopt", ["1"], user: user);
        var none = await host.RunAsync("adopt", ["99999999"], user: user);
        var word = await host.RunAsync("adopt", ["12ab"], user: user);

        Assert.True(other.ExitCode == 243, other.ToString());
        Assert.Matches($@"^sessionkeeper: process {Environment.ProcessId} on \S+ belongs to another user \(uid 0\): only your own processes can be adopted\.", other.Stderr);
        Assert.True(init.ExitCode == 242, init.ToString());
        Assert.Contains("process 1 is not adoptable: process 1 is the init of", init.Stderr, StringComparison.Ordinal);
        Assert.True(none.ExitCode == 241, none.ToString());
        Assert.Matches(@"^sessionkeeper: no process 99999999 on \S+: it has ended, or never existed\.", none.Stderr);
        Assert.True(word.ExitCode == 251, word.ToString());
        Assert.Contains("'12ab' is not a process id", word.Stderr, StringComparison.Ordinal);
        foreach (var result in new[] { other, init, none, word })
        {
            Assert.Equal("", result.StdoutText);
            Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        }
    }

    [SkippableFact(Timeout = 120000)]
    public async Task A_process_that_ends_while_it_is_adopted_is_not_tracked()
    {
        Skip.IfNot(SshdFixture.IsRoot, "needs root to create a second user");
        var user = await PrepareUserAsync(host, "/bin/bash");
        await using var session = host.Sshd.StartOpenSsh("echo PID $$; exec sleep 300", new OpenSshOptions { User = user, KeepStdinOpen = true });
        var pid = await PidAsync(session, "PID");
        var id = JobsHost.NewJobId("adopt-x");

        var adopt = await host.Cli.RunAsync(host.Arguments("adopt", [pid.ToString(CultureInfo.InvariantCulture)], ["--id", id], user), new Dictionary<string, string?> { ["SESSIONKEEPER_FAULT"] = "remote-adopt-exit" });

        Assert.True(adopt.ExitCode == 240, adopt.ToString());
        Assert.Matches($@"^sessionkeeper: process {pid} on \S+ ended while it was being adopted; nothing is tracked\.", adopt.Stderr);
        Assert.False(Directory.Exists(host.JobDir(id)));
        Assert.DoesNotContain(id, (await host.Cli.RunAsync(["jobs"])).StdoutText, StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 120000)]
    public async Task Without_a_ptrace_tool_the_process_is_tracked_unprotected_and_the_message_says_what_is_left_to_do()
    {
        Skip.IfNot(SshdFixture.IsRoot, "needs root to create a second user");
        var user = await PrepareUserAsync(host, "/bin/bash");
        await using var session = host.Sshd.StartOpenSsh("echo PID $$; exec sleep 300", new OpenSshOptions { User = user, KeepStdinOpen = true });
        var pid = await PidAsync(session, "PID");
        var id = JobsHost.NewJobId("adopt-u");

        var adopt = await host.Cli.RunAsync(host.Arguments("adopt", [pid.ToString(CultureInfo.InvariantCulture)], ["--id", id], user), new Dictionary<string, string?> { ["SESSIONKEEPER_FAULT"] = "remote-adopt-no-tool" });

        Assert.True(adopt.ExitCode == 239, adopt.ToString());
        Assert.Equal(id + "\n", adopt.StdoutText);
        Assert.Matches($@"^sessionkeeper: state: adopted-unprotected\. Process {pid} on \S+ is tracked as job {id} ", adopt.Stderr);
        Assert.Contains("has no perl", adopt.Stderr, StringComparison.Ordinal);
        Assert.Contains("It will die with its terminal. What you can still do:", adopt.Stderr, StringComparison.Ordinal);
        var status = await host.RunAsync("status", [id], user: user);
        Assert.Contains("running (adopted-unprotected: it dies with its terminal)", status.StdoutText, StringComparison.Ordinal);
        Assert.Contains("\"adopted\":\"unprotected\"", (await host.RunAsync("status", [id], ["--json"], user)).StdoutText, StringComparison.Ordinal);
        var kill = await host.RunAsync("kill", [id], ["--grace", "1s"], user);
        Assert.True(kill.ExitCode == 0, kill.ToString());
        Assert.Equal("ended", (await host.StatusAsync(id, user)).State);
    }

    [SkippableTheory(Timeout = 120000)]
    [InlineData("exec perl -e '$| = 1; syscall(157, 4, 0, 0, 0, 0) == 0 or die; print \"PID $$\\n\"; sleep 300'", false, "made itself non-dumpable (PR_SET_DUMPABLE 0")]
    [InlineData("echo PID $$; exec su -c true root", true, "runs setuid (its effective or saved user id is not yours)")]
    public async Task Where_ptrace_is_refused_the_process_is_tracked_unprotected_untouched_and_not_stopped(string command, bool tty, string why)
    {
        Skip.IfNot(SshdFixture.IsRoot, "needs root to create a second user");
        Skip.IfNot(System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64, "prctl is syscall 157 on x86_64");
        var user = await PrepareUserAsync(host, "/bin/bash");
        await using var session = host.Sshd.StartOpenSsh(command, new OpenSshOptions { User = user, Tty = tty, KeepStdinOpen = true });
        var pid = await PidAsync(session, "PID");
        if (tty)
        {
            await session.WaitForStdoutAsync("Password:", Patience);
        }

        var before = ProcFs.TryReadStat(pid)!.Value;
        var id = JobsHost.NewJobId("adopt-d");

        var adopt = await host.RunAsync("adopt", [pid.ToString(CultureInfo.InvariantCulture)], ["--id", id], user);

        Assert.True(adopt.ExitCode == 239, adopt.ToString());
        Assert.Contains("state: adopted-unprotected", adopt.Stderr, StringComparison.Ordinal);
        Assert.Contains(why, adopt.Stderr, StringComparison.Ordinal);
        var after = ProcFs.TryReadStat(pid)!.Value;
        Assert.Equal(before.StartTime, after.StartTime);
        Assert.False(after.IsStopped, $"process {pid} was left stopped ({after.State})");
        Assert.Equal("running", (await host.StatusAsync(id, user)).State);
        session.Kill();
    }

    private static CliProcess StartInteractive(JobsHost host, string user) =>
        host.Sshd.StartOpenSsh("", new OpenSshOptions { User = user, Tty = true, KeepStdinOpen = true });

    private static async Task<string> AdoptAsync(JobsHost host, string user, int pid, string prefix)
    {
        var id = JobsHost.NewJobId("adopt-" + prefix);
        var adopt = await host.RunAsync("adopt", [pid.ToString(CultureInfo.InvariantCulture)], ["--id", id], user);
        var adopted = Path.Combine(host.JobDir(id), "adopted");
        Assert.True(adopt.ExitCode == 0, $"{adopt}\nadopted: {(File.Exists(adopted) ? File.ReadAllText(adopted) : "none")}");
        Assert.EndsWith(id + "\n", adopt.StdoutText, StringComparison.Ordinal);
        Assert.Contains("it ignores SIGHUP", adopt.Stderr, StringComparison.Ordinal);
        return id;
    }

    private static string ReadOut(JobsHost host, string id)
    {
        using var stream = new FileStream(Path.Combine(host.JobDir(id), "out"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    private static async Task<int> PidAsync(CliProcess session, string label)
    {
        var pattern = new Regex(Regex.Escape(label) + @" (\d+)\r?\n");
        return await Poll.ValueAsync(
            () => pattern.Match(session.StdoutText) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : (int?)null,
            Patience,
            $"'{label} PID' on the terminal");
    }

    /// <summary>The numbers of the lines "PREFIX N", in order (a terminal's \r\n too).</summary>
    private static List<long> Counters(string text, string prefix) =>
        [.. Regex.Matches(text, $@"(?m)^{Regex.Escape(prefix)} (\d+)\r?$").Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    private static async Task<string> PrepareUserAsync(JobsHost host, string shell)
    {
        var user = await host.Sshd.EnsureUserWithShellAsync(shell);
        foreach (var dir in new[] { Path.GetDirectoryName(host.RemoteJobsDir)!, host.RemoteJobsDir })
        {
            Directory.CreateDirectory(dir);
            File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("1777", 8));
        }

        // zsh starts its new-user wizard where the user has no startup file.
        var zshrc = Path.Combine("/home", user, ".zshrc");
        if (Path.GetFileName(shell) == "zsh" && !File.Exists(zshrc))
        {
            await File.WriteAllTextAsync(zshrc, "# sessionkeeper tests\n");
        }

        return user;
    }
}
