using SessionKeeper.Core.Journal;
using SessionKeeper.Ssh;
using SessionKeeper.Ssh.Config;

namespace SessionKeeper.Tests.Ssh;

/// <summary>A target survives the journal (jump hosts and all), through the transport the keeper uses.</summary>
public class SshTransportTests
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
        var back = SshTransport.ToTarget(SshTransport.Describe(Target));

        Assert.Equal(Describe(Target), Describe(back));
        Assert.Equal(Target.JumpHosts.Select(Describe), back.JumpHosts.Select(Describe));
    }

    [Fact]
    public void Through_the_transport_interface_a_host_comes_back_as_the_same_target()
    {
        ITransport transport = SshTransport.Default;

        var back = Assert.IsType<SshTarget>(transport.Restore(transport.Describe(Target)));

        Assert.Equal(Describe(Target), Describe(back));
        Assert.Equal(Target.Label, transport.Describe(Target).Label);
    }

    [Fact]
    public void A_host_of_another_transport_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => SshTransport.Default.Describe(new OtherHost()));

        Assert.Contains("OtherHost", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_endpoint_from_an_old_journal_gets_the_defaults_it_was_launched_with()
    {
        var old = new JobEndpoint("u", "h", 22, ["/k"], ["/kh"], TimeSpan.FromSeconds(15));

        var target = SshTransport.ToTarget(old);

        Assert.False(target.UseAgent);
        Assert.Equal(StrictHostKeyCheckingMode.Yes, target.StrictHostKeyChecking);
        Assert.Empty(target.JumpHosts);
        Assert.Empty(target.GlobalKnownHostsFiles);
    }

    private static string Describe(SshTarget t) =>
        string.Join('|', t.Label, string.Join(',', t.IdentityFiles), string.Join(',', t.KnownHostsFiles), string.Join(',', t.GlobalKnownHostsFiles), t.ConnectTimeout,
            t.StrictHostKeyChecking, t.HashKnownHosts, t.HostKeyAlias, t.UseAgent, t.IdentitiesOnly, string.Join(',', t.CertificateFiles), t.BatchMode,
            t.PasswordAuthentication, string.Join(',', t.KexAlgorithms), t.ServerAliveInterval, t.ServerAliveCountMax, t.JumpHosts.Count);

    private sealed class OtherHost : IJobHost
    {
        public string Label => "other";
    }
}
