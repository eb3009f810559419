using SessionKeeper.Ssh.Config;

namespace SessionKeeper.Tests.Ssh.Config;

public class IncludeTests
{
    [Fact]
    public void IncludeCycleStopsAtOpenSshDepthLimit()
    {
        using var sandbox = new ConfigSandbox();
        var main = sandbox.Write("cfg/main.conf", "Include loop.conf\n");
        sandbox.Write(".ssh/loop.conf", "Include loop.conf\n");

        var error = Assert.Throws<SshConfigException>(() => SshConfigResolver.Create(main, [], sandbox.Environment).Resolve("h1"));

        Assert.Contains("too many recursive configuration includes", error.Message, StringComparison.Ordinal);
        Assert.Contains("16", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("loop.conf", error.File, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(16, true)]
    [InlineData(17, false)]
    public void SixteenLevelsAreAllowed(int depth, bool allowed)
    {
        using var sandbox = new ConfigSandbox();
        var main = sandbox.Write("cfg/main.conf", "Include level1.conf\n");
        for (var i = 1; i <= depth; i++)
        {
            sandbox.Write($".ssh/level{i}.conf", i < depth ? $"Include level{i + 1}.conf\n" : "User deepest\n");
        }

        ResolvedHostConfig Resolve() => SshConfigResolver.Create(main, [], sandbox.Environment).Resolve("h1");

        if (allowed)
        {
            Assert.Equal("deepest", Resolve().User);
        }
        else
        {
            Assert.Throws<SshConfigException>(Resolve);
        }
    }

    [Fact]
    public void HostInsideIncludeDoesNotLeakAndInactiveIncludesNeverApply()
    {
        using var sandbox = new ConfigSandbox();
        var main = sandbox.Write("cfg/main.conf", "Host db*\n  Include db.conf\n  Port 3306\nHost *\n  Port 22\n  User other\n");
        sandbox.Write(".ssh/db.conf", "Host nomatch\n  User x\nHost *\n  User dbuser\n");

        var resolver = SshConfigResolver.Create(main, [], sandbox.Environment);

        var db = resolver.Resolve("db1");
        Assert.Equal(("dbuser", 3306), (db.User, db.Port));
        var web = resolver.Resolve("web1");
        Assert.Equal(("other", 22), (web.User, web.Port));
    }

    [Fact]
    public void SystemConfigMayNotIncludeTildePaths()
    {
        using var sandbox = new ConfigSandbox();
        File.WriteAllText(sandbox.Environment.SystemConfigPath, "Include ~/.ssh/x.conf\n");

        var error = Assert.Throws<SshConfigException>(() => SshConfigResolver.Create(null, [], sandbox.Environment).Resolve("h1"));

        Assert.Equal(sandbox.Environment.SystemConfigPath, error.File);
        Assert.Contains("bad include path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WorldWritableIncludeIsRefused()
    {
        using var sandbox = new ConfigSandbox();
        var main = sandbox.Write("cfg/main.conf", "Include open.conf\n");
        var open = sandbox.Write(".ssh/open.conf", "User x\n", (UnixFileMode)0b110_110_110);

        var error = Assert.Throws<SshConfigException>(() => SshConfigResolver.Create(main, [], sandbox.Environment).Resolve("h1"));

        Assert.Equal(open, error.File);
        Assert.Contains("chmod go-w", error.Message, StringComparison.Ordinal);
    }
}
