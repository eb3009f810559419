using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Tests.Core.Jobs;

public class JobCookieTests
{
    [Fact]
    public void New_cookies_are_32_hex_digits_and_distinct()
    {
        var cookies = Enumerable.Range(0, 200).Select(_ => JobCookie.New()).ToList();
        Assert.All(cookies, c => Assert.Matches("^[0-9a-f]{32}$", c.Value));
        Assert.Equal(cookies.Count, cookies.Distinct().Count());
    }

    [Theory]
    [InlineData("c00c1e5eed")]
    [InlineData("adopted")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("Old_Cookie-1")]
    public void Accepts_hex_and_the_journal_s_older_words(string cookie)
    {
        Assert.True(JobCookie.IsValid(cookie));
        Assert.Equal(cookie, JobCookie.Parse(cookie).ToString());
        Assert.True(JobCookie.TryParse(cookie, out var parsed));
        Assert.Equal(JobCookie.Parse(cookie), parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("a b")]
    [InlineData("a'b")]
    [InlineData("a\nb")]
    [InlineData("$(reboot)")]
    [InlineData("é")]
    public void Rejects_what_could_break_the_runner_s_quoting(string? cookie)
    {
        Assert.False(JobCookie.IsValid(cookie));
        var error = Assert.Throws<SessionKeeperException>(() => JobCookie.Parse(cookie));
        Assert.Equal(FailureKind.InvalidInput, error.Kind);
        Assert.False(JobCookie.TryParse(cookie, out var parsed));
        Assert.True(parsed.IsDefault);
    }

    [Fact]
    public void The_message_does_not_repeat_the_secret()
    {
        var error = Assert.Throws<SessionKeeperException>(() => JobCookie.Parse("secret value"));
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_overlong_cookies() =>
        Assert.Throws<SessionKeeperException>(() => JobCookie.Parse(new string('a', JobCookie.MaxLength + 1)));

    [Fact]
    public void Round_trips_through_ToString_and_Parse()
    {
        var cookie = JobCookie.New();
        Assert.Equal(cookie, JobCookie.Parse(cookie.ToString()));
    }

    [Fact]
    public void Default_is_no_cookie_and_never_turns_into_text()
    {
        var none = default(JobCookie);
        Assert.True(none.IsDefault);
        Assert.Throws<InvalidOperationException>(() => none.Value);
        Assert.Throws<InvalidOperationException>(() => none.ToString());
    }
}
