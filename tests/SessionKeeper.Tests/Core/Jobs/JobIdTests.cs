using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Tests.Core.Jobs;

public class JobIdTests
{
    [Fact]
    public void New_ids_are_valid_short_and_distinct()
    {
        var ids = Enumerable.Range(0, 2000).Select(_ => JobId.New()).ToList();
        Assert.All(ids, id => Assert.True(JobId.IsValid(id), id));
        Assert.All(ids, id => Assert.Equal(14, id.Length));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("k7q2-m9xa-4fz8")]
    [InlineData("a")]
    [InlineData("0-1")]
    public void Accepts_the_allowed_alphabet(string id) => Assert.True(JobId.IsValid(id));

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("../x")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("-rf")]
    [InlineData("abc-")]
    [InlineData("ABC")]
    [InlineData("a b")]
    [InlineData("a.b")]
    [InlineData("a;b")]
    [InlineData("a$b")]
    [InlineData("é")]
    [InlineData("a\nb")]
    [InlineData("a\0b")]
    public void Rejects_everything_else(string? id)
    {
        Assert.False(JobId.IsValid(id));
        var error = Assert.Throws<SessionKeeperException>(() => JobId.Validate(id));
        Assert.Equal(FailureKind.InvalidInput, error.Kind);
    }

    [Fact]
    public void Rejects_overlong_ids() => Assert.False(JobId.IsValid(new string('a', JobId.MaxLength + 1)));

    [Fact]
    public void Cookies_are_32_hex_digits() =>
        Assert.Matches("^[0-9a-f]{32}$", JobId.NewCookie());
}
