using SessionKeeper.Cli.Infrastructure;

namespace SessionKeeper.Tests.Cli.Infrastructure;

public class OpenFileLimitTests
{
    [Fact]
    public void The_limits_are_read()
    {
        var (soft, hard) = Assert.NotNull(OpenFileLimit.Read());

        Assert.InRange(soft, 1UL, hard);
    }

    [Fact]
    public void The_soft_limit_is_raised_to_the_hard_one_and_reads_back()
    {
        var (_, hard) = Assert.NotNull(OpenFileLimit.Read());
        // One below the hard limit: a real raise, and no risk of EMFILE for tests running beside.
        Assert.Null(OpenFileLimit.SetSoft(hard - 1, hard));
        Assert.Equal((hard - 1, hard), OpenFileLimit.Read());

        var raised = Assert.NotNull(OpenFileLimit.Raise(Verbosity.Errors, 32));

        Assert.Equal((hard, hard), raised);
        Assert.Equal((hard, hard), OpenFileLimit.Read());
    }
}
