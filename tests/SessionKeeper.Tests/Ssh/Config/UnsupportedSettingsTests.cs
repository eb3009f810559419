using SessionKeeper.Ssh.Config;

namespace SessionKeeper.Tests.Ssh.Config;

/// <summary>Settings that change security or routing and are not implemented are reported, with their place.</summary>
public class UnsupportedSettingsTests
{
    [Theory]
    [InlineData("ProxyCommand nc %h %p", "ProxyCommand (FILE:2)")]
    [InlineData("RemoteCommand tmux attach", "RemoteCommand (FILE:2)")]
    [InlineData("ControlMaster auto", "ControlMaster auto (FILE:2)")]
    [InlineData("ControlPath ~/.ssh/cm-%C", "ControlPath (FILE:2)")]
    [InlineData("CanonicalizeHostname yes", "CanonicalizeHostname yes (FILE:2)")]
    [InlineData("KnownHostsCommand /usr/bin/lookup %H", "KnownHostsCommand (FILE:2)")]
    [InlineData("RevokedHostKeys ~/.ssh/revoked", "RevokedHostKeys (FILE:2)")]
    [InlineData("IdentityAgent ~/.1password/agent.sock", "IdentityAgent ~/.1password/agent.sock (FILE:2)")]
    [InlineData("PKCS11Provider /usr/lib/opensc-pkcs11.so", "PKCS11Provider (FILE:2)")]
    [InlineData("BindAddress 192.0.2.1", "BindAddress 192.0.2.1 (FILE:2)")]
    public void ReportsSettingInEffect(string line, string expected)
    {
        using var sandbox = new ConfigSandbox();
        var file = sandbox.Write("cfg/c.conf", $"Host h1\n  {line}\n");

        var config = SshConfigResolver.Create(file, [], sandbox.Environment).Resolve("h1");

        Assert.Equal([expected.Replace("FILE", file, StringComparison.Ordinal)], config.UnsupportedSettings);
        Assert.Empty(SshConfigResolver.Create(file, [], sandbox.Environment).Resolve("h2").UnsupportedSettings);
    }

    [Fact]
    public void LocalCommandOnlyCountsWhenPermitted()
    {
        using var sandbox = new ConfigSandbox();
        var file = sandbox.Write("cfg/c.conf", "Host h1\n  PermitLocalCommand yes\nHost *\n  LocalCommand notify-send %h\n");
        var resolver = SshConfigResolver.Create(file, [], sandbox.Environment);

        Assert.Equal([$"PermitLocalCommand yes ({file}:2)", $"LocalCommand ({file}:4)"], resolver.Resolve("h1").UnsupportedSettings);
        Assert.Empty(resolver.Resolve("h2").UnsupportedSettings);
    }

    [Theory]
    [InlineData("ProxyCommand none")]
    [InlineData("ProxyJump jump\n  ProxyCommand nc %h %p")]
    [InlineData("ControlMaster no\n  ControlPath none")]
    [InlineData("CanonicalizeHostname no")]
    [InlineData("ForwardAgent yes")]
    [InlineData("IdentityAgent SSH_AUTH_SOCK")]
    [InlineData("LocalCommand echo hi")]
    public void HarmlessOrShadowedSettingsAreNotReported(string lines)
    {
        using var sandbox = new ConfigSandbox();
        var file = sandbox.Write("cfg/c.conf", $"Host *\n  {lines}\n");

        Assert.Empty(SshConfigResolver.Create(file, [], sandbox.Environment).Resolve("h1").UnsupportedSettings);
    }

    [Fact]
    public void OverridesAreReportedAsSuch()
    {
        using var sandbox = new ConfigSandbox();
        var file = sandbox.Write("cfg/c.conf", "ProxyCommand from-file\n");

        var config = SshConfigResolver.Create(file, ["User=u", "ProxyCommand=ssh -W %h:%p gw"], sandbox.Environment).Resolve("h1");

        Assert.Equal(["ProxyCommand (-o option 2)"], config.UnsupportedSettings);
        Assert.Equal("ssh -W %h:%p gw", config.ProxyCommand);
    }

    [Fact]
    public void MatchExecIsRefusedWhenItWouldRun()
    {
        using var sandbox = new ConfigSandbox();
        var file = sandbox.Write("cfg/c.conf", "Match host h1 exec \"test -e /tmp/x\"\n  User x\n");
        var resolver = SshConfigResolver.Create(file, [], sandbox.Environment);

        var error = Assert.Throws<SshConfigException>(() => resolver.Resolve("h1"));

        Assert.Equal((file, 1), (error.File, error.Line));
        Assert.Contains("Match exec is not supported", error.Message, StringComparison.Ordinal);
        Assert.Contains("test -e /tmp/x", error.Message, StringComparison.Ordinal);

        // OpenSSH skips the command when an earlier criterion already failed, and so do we.
        Assert.Equal(sandbox.Environment.LocalUser, resolver.Resolve("h2").User);
    }

    [Fact]
    public void MatchExecInsideNeverMatchingIncludeIsHarmless()
    {
        using var sandbox = new ConfigSandbox();
        var file = sandbox.Write("cfg/c.conf", "Host other\n  Include exec.conf\nHost *\n  User fine\n");
        sandbox.Write(".ssh/exec.conf", "Match exec true\n  User x\n");

        Assert.Equal("fine", SshConfigResolver.Create(file, [], sandbox.Environment).Resolve("h1").User);
    }
}
