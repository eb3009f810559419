using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.Tests.Core.Fleet.Targets;

public class TargetSelectorTests
{
    private static IReadOnlyList<FleetTarget> Resolve(params string[] specs) => TargetSelector.Resolve(specs, "/nonexistent");

    /// <summary>A host of the command line; <paramref name="written"/>: the entry as written, when it says more than the name.</summary>
    private static FleetTarget Cli(string name, int? port = null, string? user = null, string? written = null) =>
        new(name, null, port, user, TargetSelector.CommandLine) { Written = written };

    [Fact]
    public void CommaSeparatedHosts() =>
        Assert.Equal([Cli("web1"), Cli("web2"), Cli("db1")], Resolve("web1,web2", "db1"));

    [Fact]
    public void UserAndPortApplyToTheirItemOnly() =>
        Assert.Equal(
            [Cli("web1", 2222, "deploy", "deploy@web1:2222"), Cli("web2"), Cli("::1", 2200, "root", "root@[::1]:2200")],
            Resolve("deploy@web1:2222,web2,root@[::1]:2200"));

    [Fact]
    public void SshUriFormAndDirectoryUsers() =>
        Assert.Equal(
            [Cli("web1", 2222, "deploy", "deploy@web1:2222"), Cli("web2", user: "CORP\\ops", written: "CORP\\ops@web2"), Cli("web3", user: "ops@corp.example", written: "ops@corp.example@web3")],
            Resolve("ssh://deploy@web1:2222", "CORP\\ops@web2", "ops@corp.example@web3"));

    [Fact]
    public void CommasInsideBracketsBelongToTheRange() =>
        Assert.Equal(["web1", "web3", "db1"], Resolve("web[1,3],db1").Select(t => t.Name));

    [Fact]
    public void RangeWithUserAndPortGivesEachHostBoth()
    {
        var targets = Resolve("ops@db[1-3].example.com:2022");

        Assert.Equal([Cli("db1.example.com", 2022, "ops", "ops@db1.example.com:2022"), Cli("db2.example.com", 2022, "ops", "ops@db2.example.com:2022"), Cli("db3.example.com", 2022, "ops", "ops@db3.example.com:2022")], targets);
    }

    [Fact]
    public void Each_host_is_named_as_written_range_members_one_by_one() =>
        Assert.Equal(
            ["h9", "h10", "ops@db01:2022", "ops@db02:2022", "root@[::1]:2200", "::1", "alias"],
            Resolve("h[9-10]", "ops@db[01-02]:2022,root@[::1]:2200,::1,ssh://alias").Select(t => t.DisplayName));

    [Fact]
    public void SpacesAroundItemsAndATrailingCommaAreForgiven() =>
        Assert.Equal([Cli("web1"), Cli("web2")], Resolve("web1, web2,"));

    [Fact]
    public void DuplicatesAreDroppedKeepingTheFirst() =>
        Assert.Equal(
            [Cli("web1"), Cli("web2"), Cli("web1", 2222, written: "web1:2222"), Cli("web1", user: "root", written: "root@web1")],
            Resolve("web1,web2", "web[1-2]", "web1:2222,web1", "root@web1,web1:2222"));

    [Fact]
    public void NoArgumentsGiveNoTargets() => Assert.Empty(Resolve());

    [Theory]
    [InlineData("", "is empty")]
    [InlineData(" ", "is empty")]
    [InlineData(",", "selects no hosts")]
    [InlineData("web1,@hosts.txt", "a file such as '@hosts.txt' must be an argument of its own")]
    [InlineData("web1,web2:x", "in 'web2:x': port 'x' is not a number from 1 to 65535")]
    [InlineData("web[1-3", "'[' at position 4 has no matching ']'")]
    [InlineData("web[5-1]", "'5-1' runs backwards: 5 is greater than 1")]
    [InlineData("web[1-200000]", "more than the limit of 100000")]
    [InlineData("@", "'@' must be followed by a file name")]
    [InlineData("-web1", "may not start with '-'")]
    [InlineData("bad:user@web1", "user name 'bad:user' has ':'")]
    [InlineData("ssh://web1/", "host name 'web1/' has '/'")]
    public void BadArgumentsNameTheArgument(string spec, string expected)
    {
        var ex = Assert.Throws<TargetSyntaxException>(() => Resolve("ok1", spec));

        Assert.Equal($"argument '{spec}'", ex.Location);
        Assert.Contains(expected, ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileNamesTheFullPath()
    {
        var ex = Assert.Throws<TargetSyntaxException>(() => TargetSelector.Resolve(["@hosts.txt"], "/nonexistent/dir"));

        Assert.Equal("argument '@hosts.txt': file '/nonexistent/dir/hosts.txt' does not exist", ex.Message);
    }

    [Fact]
    public void MissingInventoryWithGroupNamesTheFileWithoutTheGroup()
    {
        var ex = Assert.Throws<TargetSyntaxException>(() => TargetSelector.Resolve(["@inv.ini:web"], "/nonexistent"));

        Assert.Equal("argument '@inv.ini:web': file '/nonexistent/inv.ini' does not exist", ex.Message);
    }

    [Fact]
    public void TildeIsRefusedWithoutAHomeDirectory()
    {
        var ex = Assert.Throws<TargetSyntaxException>(() => TargetSelector.Resolve(["@~/hosts"], "/"));

        Assert.Contains("'~' is not expanded here", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FailureKindIsInvalidInput()
    {
        var ex = Assert.Throws<TargetSyntaxException>(() => Resolve("web[1-"));

        Assert.Equal(SessionKeeper.Core.Failures.FailureKind.InvalidInput, ex.Kind);
        Assert.False(ex.IsRetryable);
    }
}
