using SessionKeeper.Ssh.Config;

namespace SessionKeeper.Tests.Ssh.Config;

/// <summary>A config OpenSSH refuses fails with the file, the line and what to do.</summary>
public class MalformedConfigTests
{
    [Theory]
    [InlineData("Host *\n  Bogus yes\n", 2, "Bad configuration option: bogus")]
    [InlineData("Host never\n  Port notaport\n", 2, "Bad port 'notaport'")]
    [InlineData("# comment\r\n\r\nUser \"alice\r\n", 3, "invalid quotes")]
    [InlineData("User alice bob\n", 1, "extra arguments at end of line")]
    [InlineData("IdentityFile\n", 1, "no argument after keyword \"identityfile\"")]
    [InlineData("User=\n", 1, "no argument after keyword \"user\"")]
    [InlineData("StrictHostKeyChecking maybe\n", 1, "unsupported option \"maybe\"")]
    [InlineData("ConnectTimeout 5x\n", 1, "invalid time value")]
    [InlineData("ServerAliveCountMax -1\n", 1, "integer value too small")]
    [InlineData("UserKnownHostsFile none ~/kh\n", 1, "\"none\" argument must appear alone")]
    [InlineData("Match hots x\n", 1, "Unsupported Match attribute hots")]
    [InlineData("Match host\n", 1, "Missing Match criteria for host")]
    [InlineData("Match host a user b all\n", 1, "cannot be combined with other Match attributes")]
    [InlineData("ProxyJump a,\n", 1, "Invalid ProxyJump")]
    [InlineData("KexAlgorithms curve25519-sha256,no-such-kex\n", 1, "Bad SSH2 KexAlgorithms")]
    [InlineData("Foo 1\nIgnoreUnknown foo\n", 1, "Bad configuration option: foo")]
    public void NamesFileAndLine(string content, int line, string problem)
    {
        using var sandbox = new ConfigSandbox();
        var file = sandbox.Write("cfg/bad.conf", content);

        var error = Assert.Throws<SshConfigException>(() =>
            SshConfigResolver.Create(file, [], sandbox.Environment).Resolve("h1"));

        Assert.Equal(file, error.File);
        Assert.Equal(line, error.Line);
        Assert.Contains($"{file} line {line}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length > $"{file} line {line}: {problem}".Length + 10, "the message should say what to do");
    }

    [Fact]
    public void IgnoreUnknownCoversLaterLines()
    {
        using var sandbox = new ConfigSandbox();
        var file = sandbox.Write("cfg/ok.conf", "IgnoreUnknown UseKeychain,foo*\nUseKeychain yes\nFooBar 1 2\nUser u\n");

        var config = SshConfigResolver.Create(file, [], sandbox.Environment).Resolve("h1");

        Assert.Equal("u", config.User);
    }

    [Theory]
    [InlineData("Host=foo", "Host is not allowed in a -o option")]
    [InlineData("Match all", "Match is not allowed in a -o option")]
    [InlineData("Include x", "Include is not allowed in a -o option")]
    [InlineData("Port=0", "Bad port '0'")]
    [InlineData("NoSuchOption=1", "Bad configuration option: nosuchoption")]
    public void RejectsBadOverridesAtCreate(string option, string problem)
    {
        using var sandbox = new ConfigSandbox();
        var file = sandbox.Write("cfg/ok.conf", "User u\n");

        var error = Assert.Throws<SshConfigException>(() => SshConfigResolver.Create(file, ["User=x", option], sandbox.Environment));

        Assert.Equal("command-line", error.File);
        Assert.Equal(2, error.Line);
        Assert.Contains("-o option 2: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingConfigFileFailsAtCreate()
    {
        using var sandbox = new ConfigSandbox();
        var missing = Path.Combine(sandbox.Home, "nope.conf");

        var error = Assert.Throws<SshConfigException>(() => SshConfigResolver.Create(missing, [], sandbox.Environment));

        Assert.Equal(missing, error.File);
        Assert.Contains("-F", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadTokenInHostNameNamesItsLine()
    {
        using var sandbox = new ConfigSandbox();
        var file = sandbox.Write("cfg/bad.conf", "Host *\n  HostName %r.example.com\n");

        var error = Assert.Throws<SshConfigException>(() => SshConfigResolver.Create(file, [], sandbox.Environment).Resolve("h1"));

        Assert.Equal(2, error.Line);
        Assert.Contains("unknown key %r", error.Message, StringComparison.Ordinal);
        Assert.Contains("%h and %%", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad;host", null)]
    [InlineData("-oProxyCommand=x", null)]
    [InlineData("two words", null)]
    [InlineData("h1", "x;y")]
    [InlineData("h1", "-x")]
    public void RefusesShellSyntaxInCommandLineNames(string host, string? user)
    {
        using var sandbox = new ConfigSandbox();
        var file = sandbox.Write("cfg/ok.conf", "User \"config;user\"\n");

        Assert.Throws<SshConfigException>(() => SshConfigResolver.Create(file, [], sandbox.Environment).Resolve(host, user));
        Assert.Equal("config;user", SshConfigResolver.Create(file, [], sandbox.Environment).Resolve("h1").User);
    }
}
