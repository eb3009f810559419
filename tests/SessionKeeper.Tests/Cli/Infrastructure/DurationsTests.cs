using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Tests.Cli.Infrastructure;

public class DurationsTests
{
    [Theory]
    [InlineData("10", 10_000)]
    [InlineData("10s", 10_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("250ms", 250)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("0", 0)]
    public void Parses_what_users_type(string text, double milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Durations.Parse(text, "--x"));

    [Theory]
    [InlineData("")]
    [InlineData("ten")]
    [InlineData("-1s")]
    [InlineData("5d")]
    [InlineData("1e9")]
    public void Rejects_nonsense_naming_the_option(string text)
    {
        var error = Assert.Throws<SessionKeeperException>(() => Durations.Parse(text, "--grace"));
        Assert.Equal(FailureKind.InvalidInput, error.Kind);
        Assert.Contains("--grace", error.Message, StringComparison.Ordinal);
    }
}
