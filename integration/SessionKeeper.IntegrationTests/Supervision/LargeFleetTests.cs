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
[Collection(SupervisionTests.Name)]
public sealed class LargeFleetTests(SupervisionHost host, ITestOutputHelper output)
{
    private const int Hosts = 20_000;
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(120);

    [Fact(Timeout = 300_000)]
    public async Task A_range_over_the_limit_needs_yes_and_then_journals_at_once_and_stops_on_sigterm()
    {
        var workstation = host.NewWorkstation("large");
        var config = host.TempFile($"large-{Guid.NewGuid():N}.config");
        await File.WriteAllTextAsync(config, $"Host h*\n  HostName 127.0.0.1\n  Port {ClosedPort()}\n  User nobody\n");
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
        await Poll.UntilAsync(() => run.StderrText.Contains($"{Hosts} host(s).", StringComparison.Ordinal) || run.HasExited, Step, $"the batch to be journaled\n{run.StderrText}");
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
        await File.WriteAllTextAsync(config, $"Host h*\n  HostName 127.0.0.1\n  Port {ClosedPort()}\n  User nobody\n");
        string[] args =
        [
            "run", "-F", config, "-i", host.Sshd.UserKeyPath, "--known-hosts", host.Sshd.KnownHostsPath, "--connect-timeout", "5s",
            "--shell", "/bin/sh", "-H", $"h[1-{hosts}]", "--", "true",
        ];

        await using var run = workstation.Start(args, new Dictionary<string, string?> { ["SESSIONKEEPER_FAULT"] = stage });
        await Poll.UntilAsync(() => run.StderrText.Contains($"fault point {stage} reached", StringComparison.Ordinal) || run.HasExited, Step, $"the CLI to reach {stage}\n{run.StderrText}");
        Assert.False(run.HasExited, run.StderrText);

        run.Signal(PosixSignals.SIGTERM);
        var exit = await run.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"{stage}: exit {exit}\n{run.StderrText}");
        Assert.Equal(130, exit);
        Assert.DoesNotContain("host(s).", run.StderrText, StringComparison.Ordinal);
        Assert.Empty(await workstation.JobsAsync());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
