using System.Diagnostics;
using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;
using SessionKeeper.IntegrationTests.Streaming;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>
/// Two bastions and a target, each its own sshd: client -> proxy A -> bastion 1 -> proxy B ->
/// bastion 2 -> target, with only ProxyJump in a -F config to find the way. Each hop's host key is
/// checked under its own [127.0.0.1]:port, each hop logs in with its own key.
/// </summary>
public sealed class JumpHostLab : IAsyncLifetime
{
    private SshdFixture? _first;
    private SshdFixture? _second;
    private SshdFixture? _target;

    public OpenSshLab Lab { get; } = new();

    public SshdFixture First => _first!;

    public SshdFixture Second => _second!;

    public SshdFixture Target => _target!;

    /// <summary>In front of bastion 1: the client's only link.</summary>
    public FaultProxy ProxyA { get; private set; } = null!;

    /// <summary>In front of bastion 2: only bastion 1 connects to it.</summary>
    public FaultProxy ProxyB { get; private set; } = null!;

    public string Config { get; private set; } = "";

    public string KnownHosts { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var debug = new SshdOptions { ExtraConfig = "LogLevel DEBUG" };
        var started = await Task.WhenAll(SshdFixture.StartAsync(debug), SshdFixture.StartAsync(debug), SshdFixture.StartAsync());
        (_first, _second, _target) = (started[0], started[1], started[2]);
        ProxyA = FaultProxy.Start(First.Port);
        ProxyB = FaultProxy.Start(Second.Port);
        var knownHosts = KnownHosts = Lab.Write(
            "known_hosts",
            File.ReadAllText(First.CreateKnownHostsFile(ProxyA.Port)) + File.ReadAllText(Second.CreateKnownHostsFile(ProxyB.Port)) + File.ReadAllText(Target.KnownHostsPath));
        Config = Lab.Write("config", $"""
            Host bastion1
              HostName 127.0.0.1
              Port {ProxyA.Port}
              IdentityFile {First.UserKeyPath}
            Host bastion2
              HostName 127.0.0.1
              Port {ProxyB.Port}
              IdentityFile {Second.UserKeyPath}
            Host target
              HostName 127.0.0.1
              Port {Target.Port}
              IdentityFile {Target.UserKeyPath}
              ProxyJump bastion1,bastion2
            Host *
              User {Target.UserName}
              UserKnownHostsFile {knownHosts}
              GlobalKnownHostsFile /dev/null
              StrictHostKeyChecking yes
              IdentitiesOnly yes

            """);
    }

    public string RemoteLog(string id) => Path.Combine(Target.RemoteStateDir, "sessionkeeper", "jobs", id, "out");

    public async Task DisposeAsync()
    {
        await ProxyA.DisposeAsync();
        await ProxyB.DisposeAsync();
        foreach (var sshd in new[] { _first, _second, _target })
        {
            if (sshd is not null)
            {
                await sshd.DisposeAsync();
            }
        }

        Lab.Dispose();
    }
}

public sealed class JumpHostTests(JumpHostLab lab, ITestOutputHelper output) : IClassFixture<JumpHostLab>
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 90_000)]
    public async Task OpenSSH_itself_takes_the_same_way()
    {
        var ssh = await OpenSshLab.SshAsync(lab.Config, [], "target", "echo through two bastions");

        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        Assert.Equal("through two bastions\n", ssh.StdoutText);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_job_through_two_bastions_survives_cuts_of_the_bastion_link_and_resumes_exactly()
    {
        var id = "jump-" + Guid.NewGuid().ToString("N")[..10];
        var stop = Path.Combine(lab.Target.TempDir, id + ".stop");
        var connectionsA = lab.ProxyA.TotalConnections;
        var connectionsB = lab.ProxyB.TotalConnections;
        var firstLog = lab.First.ReadLog().Length;
        var secondLog = lab.Second.ReadLog().Length;
        await using var cli = lab.Lab.Cli.Start(
        [
            "run", "-v", "-F", lab.Config, "--id", id, "--shell", "/bin/sh", "--heartbeat", "200ms", "--dead-after", "1500ms", "--max-backoff", "300ms",
            "target", "--", SequenceLines.JobUntil(stop, 10, "0.05", 0),
        ]);
        await cli.WaitForStdoutAsync("seq 30 ", Step);

        // 1. The bastion link is reset (both ends get a RST).
        var clock = Stopwatch.StartNew();
        await CutAsync(cli, "reset of the link to bastion 1", () => lab.ProxyA.ResetAll());

        // 2. Bastion 1's per-connection sshd is killed: the chain loses its first link.
        await CutAsync(cli, "SIGKILL of bastion 1's sshd session", () =>
        {
            // A root login that only forwards has one per-connection process, titled "sshd: root".
            var victim = lab.First.ConnectionProcesses()
                .Where(p => p.Kind is SshdProcessKind.Session or SshdProcessKind.Other && !p.IsStopped)
                .OrderByDescending(p => p.StartTime).First();
            Assert.True(SshdFixture.Signal(victim.Pid, PosixSignals.SIGKILL));
        });

        // 3. The link to bastion 1 goes silent (a black hole): only the heartbeat can tell.
        await CutAsync(cli, "black hole in front of bastion 1", () => lab.ProxyA.BlackHole(), async () =>
        {
            await Poll.UntilAsync(() => CliText.Occurrences(cli.StderrText, "no heartbeat") >= 1, Step, "the heartbeat deadline to notice the dead bastion");
            lab.ProxyA.ResetAll();
            lab.ProxyA.Resume();
        });

        File.WriteAllText(stop, "");
        var result = await cli.WaitForResultAsync(Step);
        output.WriteLine($"three cuts in {clock.Elapsed.TotalSeconds:0.0} s; stderr:\n{result.Stderr}");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = SequenceLines.Analyze(result.Stdout);
        Assert.Equal((0, 0, 0), (lines.Lost, lines.Duplicated, lines.OutOfOrder));
        var remote = StreamHost.Sha256File(lab.RemoteLog(id));
        Assert.Equal(remote, StreamHost.Sha256(result.Stdout));
        var mirror = Directory.EnumerateFiles(lab.Lab.StateDir, id + ".out", SearchOption.AllDirectories).Single();
        Assert.Equal(remote, StreamHost.Sha256File(mirror));
        Assert.True(CliText.Reconnects(result.Stderr) >= 3, result.Stderr);

        // The whole chain was rebuilt each time, and each bastion forwarded to the next hop only.
        Assert.True(lab.ProxyA.TotalConnections - connectionsA >= 4, $"proxy A saw {lab.ProxyA.TotalConnections - connectionsA} connections");
        Assert.True(lab.ProxyB.TotalConnections - connectionsB >= 4, $"proxy B saw {lab.ProxyB.TotalConnections - connectionsB} connections");
        Assert.Contains($"target 127.0.0.1 port {lab.ProxyB.Port.ToString(CultureInfo.InvariantCulture)}", lab.First.ReadLog()[firstLog..], StringComparison.Ordinal);
        Assert.Contains($"target 127.0.0.1 port {lab.Target.Port.ToString(CultureInfo.InvariantCulture)}", lab.Second.ReadLog()[secondLog..], StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_bastion_with_an_unknown_host_key_is_refused_before_any_credential()
    {
        var targetOnly = lab.Lab.Write($"kh-{Guid.NewGuid():N}", File.ReadAllText(lab.Target.KnownHostsPath));
        var config = lab.Lab.Write($"config-{Guid.NewGuid():N}", File.ReadAllText(lab.Config).Replace(lab.KnownHosts, targetOnly, StringComparison.Ordinal));
        var firstLog = lab.First.ReadLog().Length;

        var refused = await lab.Lab.Cli.RunAsync(["ps", "-F", config, "target"]);

        Assert.Equal(254, refused.ExitCode);
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"[127.0.0.1]:{lab.ProxyA.Port.ToString(CultureInfo.InvariantCulture)} is not known", line, StringComparison.Ordinal);
        var log = await Poll.ObjectAsync(
            () => lab.First.ReadLog()[firstLog..] is var s && s.Contains("Connection closed", StringComparison.Ordinal) ? s : null, Step, "bastion 1 to log the end");
        Assert.DoesNotContain("userauth-request", log, StringComparison.Ordinal);
        Assert.DoesNotContain("direct-tcpip", log, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task J_on_the_command_line_goes_through_the_hops_it_names()
    {
        var direct = lab.Lab.Write($"config-{Guid.NewGuid():N}", File.ReadAllText(lab.Config).Replace("  ProxyJump bastion1,bastion2\n", "", StringComparison.Ordinal));
        var connections = lab.ProxyB.TotalConnections;

        var result = await lab.Lab.Cli.RunAsync(["ps", "-F", direct, "-J", "bastion1,bastion2", "target"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(lab.ProxyB.TotalConnections > connections, "bastion 2 was not used");
    }

    private async Task CutAsync(CliProcess cli, string what, Action cut, Func<Task>? after = null)
    {
        var reconnects = CliText.Reconnects(cli.StderrText);
        var length = cli.StdoutLength;
        var clock = Stopwatch.StartNew();
        cut();
        if (after is not null)
        {
            await after();
        }

        await Poll.UntilAsync(() => CliText.Reconnects(cli.StderrText) > reconnects, Step, $"a reconnection after the {what}");
        await Poll.UntilAsync(() => cli.StdoutLength > length + 2000, Step, $"output to flow again after the {what}");
        output.WriteLine($"{what}: reconnected and streaming again after {clock.ElapsedMilliseconds} ms");
    }
}
