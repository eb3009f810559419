using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Journal;
using SessionKeeper.Ssh;
using SessionKeeper.Ssh.Config;

namespace SessionKeeper.Tests.Cli.Infrastructure;

/// <summary>A target survives the journal (jump hosts and all), and ssh_config's ServerAlive* set the heartbeat deadline.</summary>
public class EndpointsTests
{
    private static readonly SshTarget Hop = new() { Host = "bastion", Port = 2201, User = "jump", IdentityFiles = ["/k/j"], HostKeyAlias = "b" };

    private static readonly SshTarget Target = new()
    {
        Host = "10.0.0.9",
        Port = 2222,
        User = "deploy",
        IdentityFiles = ["/k/a", "/k/b"],
        KnownHostsFiles = ["/kh"],
        GlobalKnownHostsFiles = ["/etc/kh"],
        ConnectTimeout = TimeSpan.FromSeconds(4),
        JumpHosts = [Hop, Hop with { Host = "inner", StrictHostKeyChecking = StrictHostKeyCheckingMode.AcceptNew }],
        StrictHostKeyChecking = StrictHostKeyCheckingMode.Ask,
        HashKnownHosts = true,
        UseAgent = true,
        IdentitiesOnly = true,
        CertificateFiles = ["/k/a-cert.pub"],
        BatchMode = true,
        PasswordAuthentication = true,
        KexAlgorithms = ["curve25519-sha256"],
        ServerAliveInterval = 15,
        ServerAliveCountMax = 2,
    };

    [Fact]
    public void A_target_round_trips_through_the_journal_endpoint()
    {
        var back = Endpoints.ToTarget(Endpoints.From(Target));

        Assert.Equal(Describe(Target), Describe(back));
        Assert.Equal(Target.JumpHosts.Select(Describe), back.JumpHosts.Select(Describe));
    }

    [Fact]
    public void An_endpoint_from_an_old_journal_gets_the_defaults_it_was_launched_with()
    {
        var old = new JobEndpoint("u", "h", 22, ["/k"], ["/kh"], TimeSpan.FromSeconds(15));

        var target = Endpoints.ToTarget(old);

        Assert.False(target.UseAgent);
        Assert.Equal(StrictHostKeyCheckingMode.Yes, target.StrictHostKeyChecking);
        Assert.Empty(target.JumpHosts);
        Assert.Empty(target.GlobalKnownHostsFiles);
    }

    [Theory]
    [InlineData(new string[0], 30.0, 1.0)]
    [InlineData(new[] { "--dead-after", "9s" }, 9.0, 1.0)]
    [InlineData(new[] { "--heartbeat", "3s" }, 30.0, 3.0)]
    public void ServerAlive_maps_onto_the_dead_after_deadline_and_flags_win(string[] flags, double deadAfter, double heartbeat)
    {
        var stream = new StreamOptions();
        var command = new RootCommand();
        stream.AddTo(command);
        var result = command.Parse(flags);

        var options = stream.Resolve(result, Target);

        Assert.Equal(TimeSpan.FromSeconds(deadAfter), options.DeadAfter);
        Assert.Equal(TimeSpan.FromSeconds(heartbeat), options.Heartbeat);
    }

    [Fact]
    public void A_short_ServerAlive_deadline_gets_heartbeats_twice_within_it()
    {
        var stream = new StreamOptions();
        var command = new RootCommand();
        stream.AddTo(command);

        var options = stream.Resolve(command.Parse([]), Target with { ServerAliveInterval = 1, ServerAliveCountMax = 1 });

        Assert.Equal(TimeSpan.FromSeconds(1), options.DeadAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.Heartbeat);
    }

    private static string Describe(SshTarget t) =>
        string.Join('|', t.Label, string.Join(',', t.IdentityFiles), string.Join(',', t.KnownHostsFiles), string.Join(',', t.GlobalKnownHostsFiles), t.ConnectTimeout,
            t.StrictHostKeyChecking, t.HashKnownHosts, t.HostKeyAlias, t.UseAgent, t.IdentitiesOnly, string.Join(',', t.CertificateFiles), t.BatchMode,
            t.PasswordAuthentication, string.Join(',', t.KexAlgorithms), t.ServerAliveInterval, t.ServerAliveCountMax, t.JumpHosts.Count);
}
