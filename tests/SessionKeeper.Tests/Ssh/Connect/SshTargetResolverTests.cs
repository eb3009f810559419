using SessionKeeper.Core.Failures;
using SessionKeeper.Ssh;
using SessionKeeper.Ssh.Config;
using SessionKeeper.Tests.Ssh.Config;

namespace SessionKeeper.Tests.Ssh.Connect;

/// <summary>
/// The command line and ssh_config turned into a target, jump hosts included; each hop is checked
/// against `ssh -G` run the way ssh runs its ProxyJump helper (-l, -p, -J and -F only).
/// </summary>
public sealed class SshTargetResolverTests : IDisposable
{
    private readonly ConfigSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private SshTarget Resolve(string config, string destination, SshCommandLine? commandLine = null)
    {
        var file = _sandbox.Write("cfg", config);
        return new SshTargetResolver((commandLine ?? new SshCommandLine()) with { ConfigFile = file }, _sandbox.Environment).Resolve(destination);
    }

    [Fact]
    public void A_host_alias_resolves_to_its_settings()
    {
        var target = Resolve(
            "Host app\n  HostName 10.0.0.5\n  Port 2200\n  User deploy\n  IdentityFile ~/.ssh/app_key\n  HostKeyAlias app-alias\n  StrictHostKeyChecking accept-new\n  HashKnownHosts yes\n  IdentitiesOnly yes\n  ConnectTimeout 7\n",
            "app");

        Assert.Equal(("10.0.0.5", 2200, "deploy"), (target.Host, target.Port, target.User));
        Assert.Equal([Path.Combine(_sandbox.Environment.HomeDirectory, ".ssh", "app_key")], target.IdentityFiles);
        Assert.Equal("app-alias", target.HostKeyAlias);
        Assert.Equal(StrictHostKeyCheckingMode.AcceptNew, target.StrictHostKeyChecking);
        Assert.True(target.HashKnownHosts && target.IdentitiesOnly && target.UseAgent);
        Assert.Equal(TimeSpan.FromSeconds(7), target.ConnectTimeout);
        Assert.Empty(target.JumpHosts);
    }

    [Fact]
    public void Command_line_flags_win_over_the_file()
    {
        var target = Resolve(
            "Host app\n  User deploy\n  Port 2200\n  ConnectTimeout 7\n  IdentityFile /k/config\n  UserKnownHostsFile /kh/config\n",
            "app",
            new SshCommandLine { Port = 2300, LoginName = "ignored", IdentityFiles = ["/k/flag"], KnownHostsFile = "/kh/flag", ConnectTimeout = TimeSpan.FromSeconds(3) });

        Assert.Equal(2300, target.Port);
        Assert.Equal("ignored", target.User); // -l, like ssh's, wins over the file (user@ in the destination wins over -l)
        Assert.Equal(["/k/flag", "/k/config"], target.IdentityFiles);
        Assert.Equal(["/kh/flag"], target.KnownHostsFiles);
        Assert.Equal(TimeSpan.FromSeconds(3), target.ConnectTimeout);
    }

    [Fact]
    public void An_unsupported_setting_is_one_clear_invalid_input_error()
    {
        var error = Assert.Throws<SessionKeeperException>(() => Resolve("Host app\n  ProxyCommand nc %h %p\n", "app"));

        Assert.Equal(FailureKind.InvalidInput, error.Kind);
        Assert.Contains("ProxyCommand", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void ServerAlive_settings_become_the_dead_connection_deadline_only_when_set()
    {
        Assert.Equal(TimeSpan.FromSeconds(20), Resolve("Host *\n  ServerAliveInterval 5\n  ServerAliveCountMax 4\n", "h").DeadConnectionAfter);
        Assert.Null(Resolve("Host *\n  BatchMode yes\n", "h").DeadConnectionAfter); // Debian's BatchMode default of 300 s is no wish
    }

    [Fact]
    public void IdentityAgent_none_turns_the_agent_off()
    {
        Assert.False(Resolve("Host *\n  IdentityAgent none\n", "h").UseAgent);
    }

    [Fact]
    public void Jump_hosts_are_resolved_each_by_its_own_config_first_hop_first()
    {
        const string Config = """
            Host target
              HostName 10.9.0.1
              ProxyJump first,jumper@second:2202
              IdentityFile /k/target
            Host first
              HostName 192.0.2.1
              User alice
              IdentityFile /k/first
            Host second
              HostName 192.0.2.2
              User bob
              Port 9999
              IdentityFile /k/second
              StrictHostKeyChecking accept-new
            """;

        var target = Resolve(Config + "\n", "target", new SshCommandLine { Options = ["IdentityFile=/k/cli"], Port = 2022 });

        Assert.Equal(["alice@192.0.2.1", "jumper@192.0.2.2:2202"], target.JumpHosts.Select(h => h.Label));
        Assert.Equal(["/k/first"], target.JumpHosts[0].IdentityFiles); // -o is for the destination only
        Assert.Equal(StrictHostKeyCheckingMode.AcceptNew, target.JumpHosts[1].StrictHostKeyChecking);
        Assert.Equal("10.9.0.1:2022", $"{target.Host}:{target.Port}");
        Assert.Equal(["/k/cli", "/k/target"], target.IdentityFiles);

        // The oracle: ssh resolves the last hop as `ssh -l jumper -p 2202 -J first -F cfg second`.
        var ssh = OpenSshClient.Run(_sandbox.Home, ["-G", "-F", _sandbox.Write("cfg", Config + "\n"), "-l", "jumper", "-p", "2202", "-J", "first", "second"]);
        Assert.Contains("user jumper\n", ssh.StdOut, StringComparison.Ordinal);
        Assert.Contains("port 2202\n", ssh.StdOut, StringComparison.Ordinal);
        Assert.Contains("hostname 192.0.2.2\n", ssh.StdOut, StringComparison.Ordinal);
        Assert.Contains("proxyjump first\n", ssh.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hop_with_its_own_ProxyJump_adds_hops_in_front()
    {
        var target = Resolve("Host target\n  ProxyJump inner\nHost inner\n  ProxyJump outer\n", "target");

        Assert.Equal(["outer", "inner"], target.JumpHosts.Select(h => h.Host));
    }

    [Fact]
    public void J_on_the_command_line_replaces_the_config_ProxyJump_and_none_removes_it()
    {
        Assert.Equal(["cli"], Resolve("Host target\n  ProxyJump config\n", "target", new SshCommandLine { JumpHosts = "cli" }).JumpHosts.Select(h => h.Host));
        Assert.Empty(Resolve("Host target\n  ProxyJump config\n", "target", new SshCommandLine { JumpHosts = "none" }).JumpHosts);
    }

    [Fact]
    public void Jump_hosts_that_jump_through_each_other_are_refused()
    {
        var error = Assert.Throws<SessionKeeperException>(() => Resolve("Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n", "a"));

        Assert.Equal(FailureKind.InvalidInput, error.Kind);
    }

    [Fact]
    public void An_unsupported_setting_on_a_jump_host_is_refused_too()
    {
        var error = Assert.Throws<SessionKeeperException>(() => Resolve("Host target\n  ProxyJump hop\nHost hop\n  RemoteCommand id\n", "target"));

        Assert.Contains("hop", error.Message, StringComparison.Ordinal);
        Assert.Contains("RemoteCommand", error.Message, StringComparison.Ordinal);
    }
}
