using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// A range of 20,000 hosts: without --yes and without a terminal nothing is journaled (244); with
/// --yes the batch is journaled in one transaction and SIGTERM ends the CLI (130) with every host
/// recorded not-launched. How fast: scripts/bench-large-range.sh (no timing here). The hosts
/// all resolve, through an ssh_config, to a closed loopback port: nothing leaves the machine.
/// </summary>
[LongRunning(90)]
public sealed class LargeFleetTests(SupervisionHost host, ITestOutputHelper output) : IClassFixture<SupervisionHost>
{
    private const int Hosts = 20_000;
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(120);

    [Fact(Timeout = 300_000)]
    public async Task A_range_over_the_limit_needs_yes_and_then_journals_at_once_and_stops_on_sigterm()
    {
        var workstation = host.NewWorkstation("large");
        var config = host.TempFile($"large-{Guid.NewGuid():N}.config");
        using var closed = new ClosedPort();
        await File.WriteAllTextAsync(config, $"Host h*\n  HostName 127.0.0.1\n  Port {closed.Port}\n  User nobody\n");
        string[] args =
        [
            "run", "-F", config, "-i", host.Sshd.UserKeyPath, "--known-hosts", host.Sshd.KnownHostsPath, "--connect-timeout", "5s",
            "--shell", "/bin/sh", "-H", $"h[1-{Hosts}]",
        ];

        var refused = await workstation.RunAsync([.. args, "--", "true"], timeout: Step);
        output.WriteLine($"without --yes: {refused}");
        Assert.True(refused.ExitCode == 244, refused.ToString());
        Assert.Equal("", refused.StdoutText);
        var line = Assert.Single(refused.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains("--yes", line, StringComparison.Ordinal);
        Assert.Contains(Hosts.ToString(CultureInfo.InvariantCulture), line, StringComparison.Ordinal);
        Assert.Empty(await workstation.JobsAsync());

        var clock = Stopwatch.StartNew();
        await using var run = workstation.Start([.. args, "--yes", "--", "true"]);
        await Poll.UntilAsync(() => run.StderrText.Contains($"{Hosts} host(s).", StringComparison.Ordinal) || run.HasExited, Step, () => $"the batch to be journaled\n{run.StderrText}");
        var journaled = clock.Elapsed;
        output.WriteLine($"start of the CLI to {Hosts} hosts journaled: {journaled.TotalSeconds:0.00} s");
        Assert.False(run.HasExited, run.StderrText);

        var signalled = Stopwatch.StartNew();
        run.Signal(PosixSignals.SIGTERM);
        var exit = await run.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"SIGTERM to exit: {signalled.Elapsed.TotalSeconds:0.00} s, exit {exit}");
        output.WriteLine(run.StderrText.Length > 4000 ? run.StderrText[..4000] : run.StderrText);
        Assert.Equal(130, exit); // interrupted, as documented

        // One transaction: the whole batch or nothing (here, the whole batch); nothing was sent to
        // any host, and every host says so: none is left for an implicit path to launch.
        var jobs = await workstation.JobsAsync();
        Assert.Equal(Hosts, jobs.Count);
        Assert.All(jobs, j => Assert.Equal("not-launched", j.Phase));
    }

    /// <summary>
    /// SIGTERM while the range is being resolved, and while the batch is being journaled (inside
    /// the transaction): the CLI ends as interrupted (130) and the journal holds no job at all, so
    /// nothing is left for `resume` or the daemon. The hold point makes the CLI wait at that stage
    /// and say so; the signal is sent once it has (no race, no sleep).
    /// </summary>
    [Theory(Timeout = 300_000)]
    [InlineData("hold-resolving")]
    [InlineData("hold-journaling")]
    public async Task Sigterm_while_resolving_or_journaling_ends_the_run_with_nothing_journaled(string stage)
    {
        const int hosts = 1_000;
        var workstation = host.NewWorkstation(stage);
        var config = host.TempFile($"stage-{Guid.NewGuid():N}.config");
        using var closed = new ClosedPort();
        await File.WriteAllTextAsync(config, $"Host h*\n  HostName 127.0.0.1\n  Port {closed.Port}\n  User nobody\n");
        string[] args =
        [
            "run", "-F", config, "-i", host.Sshd.UserKeyPath, "--known-hosts", host.Sshd.KnownHostsPath, "--connect-timeout", "5s",
            "--shell", "/bin/sh", "-H", $"h[1-{hosts}]", "--", "true",
        ];

        await using var run = workstation.Start(args, new Dictionary<string, string?> { ["SESSIONKEEPER_FAULT"] = stage });
        await Poll.UntilAsync(() => run.StderrText.Contains($"fault point {stage} reached", StringComparison.Ordinal) || run.HasExited, Step, () => $"the CLI to reach {stage}\n{run.StderrText}");
        Assert.False(run.HasExited, run.StderrText);

        run.Signal(PosixSignals.SIGTERM);
        var exit = await run.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"{stage}: exit {exit}\n{run.StderrText}");
        Assert.Equal(130, exit);
        Assert.DoesNotContain("host(s).", run.StderrText, StringComparison.Ordinal);
        Assert.Empty(await workstation.JobsAsync());
    }

    /// <summary>
    /// Issue 9 item 10, SIGTERM in the middle of journaling a batch of 50,000 hosts that all reach
    /// the real sshd (the same configuration launches a job there, as the probe shows). The hold
    /// point stops the CLI inside the journal's transaction, after its first rows, and says so;
    /// SIGTERM then ends it as interrupted (130), the transaction is rolled back (no job and so no
    /// batch in the journal: nothing for `resume` or the daemon to start), and no job of this run
    /// exists on the target: nothing was started.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task Sigterm_while_fifty_thousand_reachable_hosts_are_journaled_starts_nothing_and_journals_nothing()
    {
        const int hosts = 50_000;
        var workstation = host.NewWorkstation("journaling");
        var (config, command) = await ReachableAsync();

        await using var run = workstation.Start(
            RangeArguments(config, hosts, command),
            new Dictionary<string, string?> { ["SESSIONKEEPER_FAULT"] = "hold-journaling" });
        await Poll.UntilAsync(() => run.StderrText.Contains("fault point hold-journaling reached", StringComparison.Ordinal) || run.HasExited, Step, () => $"the CLI to be journaling\n{run.StderrText}");
        Assert.False(run.HasExited, run.StderrText);

        run.Signal(PosixSignals.SIGTERM);
        var exit = await run.WaitForExitAsync().WaitAsync(Step);
        output.WriteLine($"exit {exit}\n{run.StderrText}");

        Assert.Equal(130, exit);
        Assert.DoesNotContain("host(s).", run.StderrText, StringComparison.Ordinal);
        Assert.Empty(await workstation.JobsAsync());
        Assert.Empty(JobDirectoriesRunning(command));
    }

    /// <summary>
    /// Issue 9 item 10, SIGTERM while a batch of 20,000 reachable hosts is being launched, once the
    /// first of its jobs exists on the target. The CLI ends as interrupted (130), its stop is
    /// recorded for the batch, and the journal and the target agree: no job the journal records
    /// not launched has a job directory (nothing ran that it says was not sent), every job it
    /// records launched or finished has one, and only jobs whose request went out may be left
    /// `intent` (launching), to be completed by `resume`.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task Sigterm_while_a_large_batch_launches_leaves_the_journal_and_the_target_in_agreement()
    {
        const int hosts = 20_000;
        var workstation = host.NewWorkstation("launching");
        var (config, command) = await ReachableAsync();

        await using var run = workstation.Start([.. RangeArguments(config, hosts, command)[..^2], "-j", "4", "--", command]);
        await Poll.UntilAsync(() => JobDirectoriesRunning(command).Count > 0 || run.HasExited, Step, () => $"a first job of the batch on the target\n{run.StderrText}");
        Assert.False(run.HasExited, run.StderrText);

        run.Signal(PosixSignals.SIGTERM);
        var exit = await run.WaitForExitAsync().WaitAsync(Step);
        output.WriteLine($"exit {exit}\n{(run.StderrText.Length > 4000 ? run.StderrText[..4000] : run.StderrText)}");

        Assert.Equal(130, exit);
        var jobs = await workstation.JobsAsync();
        var started = JobDirectoriesRunning(command);
        output.WriteLine(string.Join(", ", jobs.GroupBy(j => j.Phase).Select(g => $"{g.Count()} {g.Key}")) + $"; {started.Count} on the target");
        Assert.Equal(hosts, jobs.Count);
        Assert.All(jobs, j => Assert.Contains(j.Phase, (string[])["not-launched", "intent", "launched", "finished"]));
        Assert.All(jobs.Where(j => j.Phase == "not-launched"), j => Assert.DoesNotContain(j.Id, started));
        Assert.All(jobs.Where(j => j.Phase is "launched" or "finished"), j => Assert.Contains(j.Id, started));
        Assert.All(started, id => Assert.Contains(jobs, j => j.Id == id && j.Phase != "not-launched"));
        Assert.Contains(jobs, j => j.Phase == "not-launched");
    }

    /// <summary>
    /// An ssh_config that sends every h* host to the real sshd, and a command unique to the test.
    /// A probe (another command, from a workstation of its own) proves that this configuration
    /// reaches sshd and starts a job there, and that the job is found by its command.
    /// </summary>
    private async Task<(string Config, string Command)> ReachableAsync()
    {
        var config = host.TempFile($"reachable-{Guid.NewGuid():N}.config");
        await File.WriteAllTextAsync(config, $"Host h*\n  HostName 127.0.0.1\n  Port {host.Sshd.Port}\n  User {host.Sshd.UserName}\n");
        var unique = Guid.NewGuid().ToString("N");
        var probe = await host.NewWorkstation("probe").RunAsync(
            ["run", "-F", config, "-i", host.Sshd.UserKeyPath, "--known-hosts", host.Sshd.KnownHostsPath, "--connect-timeout", "15s", "--shell", "/bin/sh", "h0", "--", $"echo probe-{unique}"],
            timeout: Step);
        Assert.True(probe.ExitCode == 0, probe.ToString());
        Assert.Equal($"probe-{unique}\n", probe.StdoutText);
        Assert.Single(JobDirectoriesRunning($"echo probe-{unique}"));
        return (config, $"echo large-{unique}");
    }

    private string[] RangeArguments(string config, int hosts, string command) =>
    [
        "run", "-F", config, "-i", host.Sshd.UserKeyPath, "--known-hosts", host.Sshd.KnownHostsPath, "--connect-timeout", "15s",
        "--shell", "/bin/sh", "--yes", "-H", $"h[1-{hosts}]", "--", command,
    ];

    /// <summary>Ids of the job directories on the target whose command is <paramref name="command"/>.</summary>
    private List<string> JobDirectoriesRunning(string command)
    {
        var jobs = Path.Combine(host.Sshd.RemoteStateDir, "sessionkeeper", "jobs");
        return Directory.Exists(jobs)
            ? [.. Directory.EnumerateDirectories(jobs).Where(d => File.Exists(Path.Combine(d, "cmd")) && ReadOrEmpty(Path.Combine(d, "cmd")) == command).Select(d => Path.GetFileName(d))]
            : [];
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }

}
