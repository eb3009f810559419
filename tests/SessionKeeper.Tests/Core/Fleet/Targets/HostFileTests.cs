using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.Tests.Core.Fleet.Targets;

public class HostFileTests
{
    private const string Path = "/etc/fleet/hosts.txt";

    [Fact]
    public void ReadsHostsUsersPortsCommentsAndBlankLines()
    {
        var text = """
            # production web tier
            web1

            deploy@web2:2222   # the odd one
              db1.example.com:22
            root@[2001:db8::7]:2200
            """;

        var targets = HostFile.Parse(text, Path);

        Assert.Equal(
            [
                new FleetTarget("web1", null, null, null, $"{Path}:2"),
                new FleetTarget("web2", null, 2222, "deploy", $"{Path}:4") { Written = "deploy@web2:2222" },
                new FleetTarget("db1.example.com", null, 22, null, $"{Path}:5") { Written = "db1.example.com:22" },
                new FleetTarget("2001:db8::7", null, 2200, "root", $"{Path}:6") { Written = "root@[2001:db8::7]:2200" },
            ],
            targets);
    }

    [Fact]
    public void ExpandsRangesAndKeepsTheLineOfEachHost()
    {
        var targets = HostFile.Parse("ops@app[08-10].lan:2200\r\ncache[a,b]\r\n", Path);

        Assert.Equal(["app08.lan", "app09.lan", "app10.lan", "cachea", "cacheb"], targets.Select(t => t.Name));
        Assert.All(targets.Take(3), t => Assert.Equal(("ops", 2200, $"{Path}:1"), (t.User, t.Port, t.Source)));
        Assert.All(targets.Skip(3), t => Assert.Equal($"{Path}:2", t.Source));
    }

    [Fact]
    public void BareIPv6AddressHasNoPort()
    {
        var target = Assert.Single(HostFile.Parse("fe80::1\n", Path));

        Assert.Equal(("fe80::1", (int?)null), (target.Name, target.Port));
    }

    [Fact]
    public void EmptyFileHasNoHosts() => Assert.Empty(HostFile.Parse("\n# nothing yet\n\n", Path));

    [Theory]
    [InlineData("web1 web2", "expected one host per line, found 'web1 web2'")]
    [InlineData("web1:ssh", "port 'ssh' is not a number from 1 to 65535")]
    [InlineData("web1:0", "port '0' is not a number from 1 to 65535")]
    [InlineData("web1:65536", "port '65536' is not a number from 1 to 65535")]
    [InlineData("web1:", "a ':' must be followed by a port number")]
    [InlineData(":22", "has no host name before ':'")]
    [InlineData("@web1", "the user name before '@' is empty")]
    [InlineData("deploy@", "has no host name after '@'")]
    [InlineData("-oProxyCommand=x", "may not start with '-'")]
    [InlineData("web/1", "host name 'web/1' has '/'")]
    [InlineData("a:b:c", "more than one ':'")]
    [InlineData("web[1-3", "'[' at position 4 has no matching ']'")]
    [InlineData("web[3-1]", "'3-1' runs backwards")]
    public void MalformedLineNamesFileAndLine(string line, string expected)
    {
        var ex = Assert.Throws<TargetSyntaxException>(() => HostFile.Parse($"# header\nok1\n{line}\nok2\n", Path));

        Assert.Equal($"{Path}:3", ex.Location);
        Assert.StartsWith($"{Path}:3: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
