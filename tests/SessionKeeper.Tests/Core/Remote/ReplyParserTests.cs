using System.Text;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Tests.Core.Remote;

public class ReplyParserTests
{
    private static IReadOnlyList<ReplyLine> Parse(string text) => ReplyParser.Parse(Encoding.UTF8.GetBytes(text), "h");

    [Fact]
    public void Ignores_noise_around_the_reply()
    {
        var lines = Parse("Welcome to Debian!\nlast login: yesterday\n\n@@SK2 status id=abc state=running pid=42\nrandom .profile echo\n@@SK2 end\n");
        var line = Assert.Single(lines);
        Assert.Equal("status", line.Tag);
        Assert.Equal("running", line["state"]);
        Assert.Equal(42, line.SmallNumber("pid"));
    }

    [Fact]
    public void A_reply_without_its_end_was_cut_short_and_is_refused()
    {
        var error = Assert.Throws<SessionKeeperException>(() => Parse("@@SK2 status id=abc state=running\n"));
        Assert.Equal(FailureKind.ConnectionLost, error.Kind);
    }

    [Fact]
    public void A_partial_last_line_is_not_an_end() =>
        Assert.Throws<SessionKeeperException>(() => Parse("@@SK2 launched id=a fresh=1\n@@SK2 en"));

    [Fact]
    public void Empty_output_is_a_cut_reply() =>
        Assert.Equal(FailureKind.ConnectionLost, Assert.Throws<SessionKeeperException>(() => Parse("")).Kind);

    [Theory]
    [InlineData("@@SK2 status id=abc =x\n@@SK2 end\n")]
    [InlineData("@@SK2 status noequals\n@@SK2 end\n")]
    [InlineData("@@SK2 \n@@SK2 end\n")]
    [InlineData("@@SK2 sta$tus a=b\n@@SK2 end\n")]
    public void Malformed_lines_are_remote_errors(string text) =>
        Assert.Equal(FailureKind.RemoteError, Assert.Throws<SessionKeeperException>(() => Parse(text)).Kind);

    [Fact]
    public void Another_protocol_version_is_refused_with_advice()
    {
        var error = Assert.Throws<SessionKeeperException>(() => Parse("@@SK1 status id=a\n@@SK1 end\n"));
        Assert.Contains("protocol version", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_after_the_end_is_refused() =>
        Assert.Throws<SessionKeeperException>(() => Parse("@@SK2 end\n@@SK2 status id=a state=running\n"));

    [Fact]
    public void Carriage_returns_are_tolerated() =>
        Assert.Single(Parse("@@SK2 removed id=a\r\n@@SK2 end\r\n"));

    [Theory]
    [InlineData("no-such-job", FailureKind.JobNotFound)]
    [InlineData("bad-id", FailureKind.InvalidInput)]
    [InlineData("foreign-owner", FailureKind.RemoteError)]
    [InlineData("job-running", FailureKind.InvalidInput)]
    [InlineData("something-new", FailureKind.RemoteError)]
    public void Error_lines_become_failures(string code, FailureKind kind)
    {
        var lines = Parse($"@@SK2 error code={code}\n@@SK2 end\n");
        var error = Assert.Throws<SessionKeeperException>(() => ReplyParser.ThrowIfError(lines, "h", JobId.Parse("job1")));
        Assert.Equal(kind, error.Kind);
    }
}
