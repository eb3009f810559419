using SessionKeeper.Ssh.Config;

namespace SessionKeeper.Tests.Ssh.Config;

/// <summary>The typed properties, beyond what ssh -G shows.</summary>
public class ResolvedValuesTests
{
    [Fact]
    public void DefaultsWhenNothingIsSet()
    {
        using var sandbox = new ConfigSandbox();
        var env = sandbox.Environment;

        var config = SshConfigResolver.Create("none", [], env).Resolve("Web1.Example.COM");

        Assert.Equal("Web1.Example.COM", config.OriginalHost);
        Assert.Equal("web1.example.com", config.HostName);
        Assert.Equal(env.LocalUser, config.User);
        Assert.Equal(22, config.Port);
        Assert.True(config.IdentityFilesAreDefaults);
        Assert.Equal(OpenSshDefaults.IdentityFiles, config.ConfiguredIdentityFiles);
        Assert.Equal(OpenSshDefaults.IdentityFiles.Select(f => Path.Combine(env.HomeDirectory, f[2..])), config.IdentityFiles);
        Assert.Equal([Path.Combine(env.HomeDirectory, ".ssh/known_hosts"), Path.Combine(env.HomeDirectory, ".ssh/known_hosts2")],
            config.UserKnownHostsFiles);
        Assert.Equal(["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"], config.GlobalKnownHostsFiles);
        Assert.Null(config.ConnectTimeout);
        Assert.Equal(-1, config.ConnectTimeoutSeconds);
        Assert.Equal((0, 3), (config.ServerAliveInterval, config.ServerAliveCountMax));
        Assert.Equal(("ask", StrictHostKeyCheckingMode.Ask), (config.StrictHostKeyChecking, config.StrictHostKeyCheckingMode));
        Assert.False(config.HashKnownHosts);
        Assert.False(config.IdentitiesOnly);
        Assert.Null(config.HostKeyAlias);
        Assert.Empty(config.KexAlgorithms);
        Assert.Empty(config.ProxyJump);
        Assert.Empty(config.CertificateFiles);
        Assert.Empty(config.UnsupportedSettings);
    }

    [Theory]
    [InlineData("true", "yes", StrictHostKeyCheckingMode.Yes)]
    [InlineData("off", "no", StrictHostKeyCheckingMode.No)]
    [InlineData("FALSE", "no", StrictHostKeyCheckingMode.No)]
    [InlineData("accept-new", "accept-new", StrictHostKeyCheckingMode.AcceptNew)]
    public void StrictHostKeyCheckingIsNormalised(string value, string word, StrictHostKeyCheckingMode mode)
    {
        using var sandbox = new ConfigSandbox();

        var config = SshConfigResolver.Create("none", [$"StrictHostKeyChecking={value}"], sandbox.Environment).Resolve("h");

        Assert.Equal((word, mode), (config.StrictHostKeyChecking, config.StrictHostKeyCheckingMode));
    }

    [Fact]
    public void ProxyJumpHopsAreParsedFirstHopFirst()
    {
        using var sandbox = new ConfigSandbox();
        var options = new[] { "ProxyJump=ssh://bob@jump1:2200,carol@jump2,[2001:db8::1]:23" };

        var config = SshConfigResolver.Create("none", options, sandbox.Environment).Resolve("target");

        Assert.Equal(["ssh://bob@jump1:2200", "carol@jump2", "[2001:db8::1]:23"], config.ProxyJump);
        Assert.Equal(
            [new SshJumpHost("bob", "jump1", 2200), new SshJumpHost("carol", "jump2", null), new SshJumpHost(null, "2001:db8::1", 23)],
            config.ProxyJumpHosts);
    }

    [Fact]
    public void TimesAndKexAreTyped()
    {
        using var sandbox = new ConfigSandbox();
        var options = new[] { "ConnectTimeout=1m30s", "ServerAliveInterval=2m", "KexAlgorithms=-sntrup*,ecdh-*" };

        var config = SshConfigResolver.Create("none", options, sandbox.Environment).Resolve("h");

        Assert.Equal(TimeSpan.FromSeconds(90), config.ConnectTimeout);
        Assert.Equal(120, config.ServerAliveInterval);
        Assert.Equal(
            ["curve25519-sha256", "curve25519-sha256@libssh.org", "diffie-hellman-group-exchange-sha256",
             "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256"],
            config.KexAlgorithms);
    }

    [Fact]
    public void NewerKexNamesAreAcceptedForNewerServers()
    {
        using var sandbox = new ConfigSandbox();

        var config = SshConfigResolver.Create("none", ["KexAlgorithms=mlkem768x25519-sha256,curve25519-sha256"], sandbox.Environment)
            .Resolve("h");

        Assert.Equal(["mlkem768x25519-sha256", "curve25519-sha256"], config.KexAlgorithms);
    }

    [Fact]
    public void WithoutConfigFileReadsUserConfigThenSystemConfig()
    {
        using var sandbox = new ConfigSandbox();
        sandbox.Write(".ssh/config", "Host h1\n  User from-user-config\n", (UnixFileMode)0b110_000_000);
        File.WriteAllText(sandbox.Environment.SystemConfigPath, "Host *\n  User from-system\n  Port 2222\n");
        var resolver = SshConfigResolver.Create(null, [], sandbox.Environment);

        Assert.Equal(("from-user-config", 2222), (resolver.Resolve("h1").User, resolver.Resolve("h1").Port));
        Assert.Equal("from-system", resolver.Resolve("h2").User);
    }

    [Fact]
    public void WorldWritableUserConfigIsRefused()
    {
        using var sandbox = new ConfigSandbox();
        sandbox.Write(".ssh/config", "User x\n", (UnixFileMode)0b110_110_110);

        var error = Assert.Throws<SshConfigException>(() => SshConfigResolver.Create(null, [], sandbox.Environment).Resolve("h1"));

        Assert.Equal(sandbox.Environment.UserConfigPath, error.File);
    }

    [Fact]
    public void OverridesWinThenCommandLineThenFiles()
    {
        using var sandbox = new ConfigSandbox();
        var file = sandbox.Write("cfg/c.conf", "User file-user\nPort 2000\nIdentityFile ~/.ssh/file_key\n");

        var config = SshConfigResolver.Create(file, ["Port=3000", "IdentityFile=/keys/o_key"], sandbox.Environment)
            .Resolve("h", userFromCommandLine: "cli-user", portFromCommandLine: 4000);

        Assert.Equal(("cli-user", 3000), (config.User, config.Port));
        Assert.Equal(["/keys/o_key", Path.Combine(sandbox.Environment.HomeDirectory, ".ssh/file_key")], config.IdentityFiles);
        Assert.False(config.IdentityFilesAreDefaults);
    }
}
