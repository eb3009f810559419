using SessionKeeper.Core.Failures;
using SessionKeeper.Ssh;

namespace SessionKeeper.Tests.Ssh.Connect;

/// <summary>The destination argument read as ssh reads it: URI first, else split at the last '@'; [addr]:port as in host lists.</summary>
public class DestinationArgumentTests
{
    [Theory]
    [InlineData("host", null, "host", null)]
    [InlineData("user@h@x", "user@h", "x", null)]
    [InlineData("ssh://user@h@x:23", "user@h", "x", 23)]
    [InlineData("ssh://x", null, "x", null)]
    [InlineData("user@[::1]:2222", "user", "::1", 2222)]
    [InlineData("[10.0.0.1]:22", null, "10.0.0.1", 22)]
    [InlineData("user@[::1]", "user", "[::1]", null)]
    public void Destinations_split_like_ssh(string destination, string? user, string host, int? port) =>
        Assert.Equal((user, host, port), SshTargetResolver.Parse(destination));

    [Theory]
    [InlineData("ssh://user@/path")]
    [InlineData("user@[::1]:99999")]
    public void Malformed_destinations_are_refused(string destination) =>
        Assert.Equal(FailureKind.InvalidInput, Assert.Throws<SessionKeeperException>(() => SshTargetResolver.Parse(destination)).Kind);
}
