using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.Tests.Core.Fleet.Targets;

public class HostRangeTests
{
    [Fact]
    public void PlainNameIsItself() => Assert.Equal(["web1.example.com"], HostRange.Expand("web1.example.com"));

    [Fact]
    public void ZeroPaddedRangeKeepsItsWidth() =>
        Assert.Equal(["web08", "web09", "web10", "web11"], HostRange.Expand("web[08-11]"));

    [Fact]
    public void UnpaddedRangeIsNotPadded() => Assert.Equal(["db9", "db10"], HostRange.Expand("db[9-10]"));

    [Fact]
    public void RangeInTheMiddleKeepsTheSuffix() =>
        Assert.Equal(["db1.example.com", "db2.example.com", "db3.example.com"], HostRange.Expand("db[1-3].example.com"));

    [Fact]
    public void CommaListMixesValuesAndRanges() =>
        Assert.Equal(["n1", "n3", "n5", "n6", "n7"], HostRange.Expand("n[1,3,5-7]"));

    [Fact]
    public void LetterRange() => Assert.Equal(["rack-a", "rack-b", "rack-c"], HostRange.Expand("rack-[a-c]"));

    [Fact]
    public void WordList() => Assert.Equal(["web.eu", "web.us"], HostRange.Expand("web.[eu,us]"));

    [Fact]
    public void SeveralGroupsGiveEveryCombinationFirstGroupSlowest() =>
        Assert.Equal(["a1bx", "a1by", "a2bx", "a2by", "a3bx", "a3by"], HostRange.Expand("a[1-3]b[x,y]"));

    [Fact]
    public void AnsibleColonRangeWithStrideWorksOnTheCommandLineToo() =>
        Assert.Equal(["web01", "web03", "web05"], HostRange.Expand("web[01:06:2]"));

    [Fact]
    public void AnsibleSyntaxTakesColonRangesWithStride() =>
        Assert.Equal(["h1", "h4", "h7", "h10"], HostRange.Expand("h[1:10:3]", HostRangeSyntax.Ansible));

    [Fact]
    public void AnsibleSyntaxReadsAnEmptyBeginAsZero() =>
        Assert.Equal(["h0", "h1", "h2"], HostRange.Expand("h[:2]", HostRangeSyntax.Ansible));

    [Fact]
    public void AnsibleLetterRangeRunsFromLowerToUpperCase() =>
        Assert.Equal(["y", "z", "A", "B"], HostRange.Expand("[y:B]", HostRangeSyntax.Ansible));

    [Fact]
    public void AnsibleSyntaxRefusesDashRanges()
    {
        var ex = Assert.Throws<TargetSyntaxException>(() => HostRange.Expand("web[1-3]", HostRangeSyntax.Ansible));

        Assert.Equal("host pattern 'web[1-3]'", ex.Location);
        Assert.Contains("[begin:end]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReversedRangeIsRefused()
    {
        var ex = Assert.Throws<TargetSyntaxException>(() => HostRange.Expand("web[20-01]"));

        Assert.Equal("host pattern 'web[20-01]': '20-01' runs backwards: 20 is greater than 01", ex.Message);
    }

    [Fact]
    public void ReversedLetterRangeIsRefused()
    {
        var ex = Assert.Throws<TargetSyntaxException>(() => HostRange.Expand("r[c-a]"));

        Assert.Contains("'c-a' runs backwards", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeRangeIsRefused()
    {
        var ex = Assert.Throws<TargetSyntaxException>(() => HostRange.Expand("n[1-100001]"));

        Assert.Contains("100001 values, more than the limit of 100000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RangeOfExactlyTheLimitIsAllowed() => Assert.Equal(100_000, HostRange.Expand("n[1-100000]").Count);

    [Fact]
    public void HugeProductOfSmallRangesIsRefused()
    {
        var ex = Assert.Throws<TargetSyntaxException>(() => HostRange.Expand("n[1-1000]x[1-1000]"));

        Assert.Contains("more than 100000 hosts", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("web[1-3", "'[' at position 4 has no matching ']'")]
    [InlineData("web1-3]", "']' at position 7 has no matching '['")]
    [InlineData("web[[1-3]]", "'[' at position 4 has no matching ']'")]
    [InlineData("web[]", "'[]' is empty")]
    [InlineData("web[1,,3]", "empty item between commas")]
    [InlineData("web[1-]", "'1-' in '[1-]' is an incomplete range")]
    [InlineData("web[01-100]", "zero-padded to 2 digits, so its end must be too")]
    [InlineData("web[1-c]", "'1-c' is not a range: its bounds must both be numbers or both be single letters")]
    [InlineData("web[1:9:0]", "the step must be a whole number of at least 1")]
    [InlineData("web[1:2:3:4]", "write begin:end or begin:end:step")]
    [InlineData("web[:5]", "':5' is missing its begin value")]
    [InlineData("web[a b]", "has ' '")]
    public void MalformedPatternsSayWhatIsWrong(string pattern, string expected)
    {
        var ex = Assert.Throws<TargetSyntaxException>(() => HostRange.Expand(pattern));

        Assert.Equal($"host pattern '{pattern}'", ex.Location);
        Assert.Contains(expected, ex.Problem, StringComparison.Ordinal);
    }
}
