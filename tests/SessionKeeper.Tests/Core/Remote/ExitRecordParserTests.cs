using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>The client checks exit records itself too: a forged one is malformed, whatever the runner said.</summary>
public class ExitRecordParserTests
{
    private static JobStatus Parse(string body) => StatusParser.Parse(ReplyParser.ParseLine(body, "h"), "h");

    [Theory]
    [InlineData("state=killed code=0 signal=999 timedout=0")]
    [InlineData("state=killed code=1127 signal=999 timedout=0")]
    [InlineData("state=killed code=143 signal=9 timedout=0")]
    [InlineData("state=killed code=128 signal=0 timedout=0")]
    [InlineData("state=killed code=143 timedout=0")]
    [InlineData("state=exited code=300 signal=0 timedout=0")]
    [InlineData("state=exited code=3 signal=9 timedout=0")]
    [InlineData("state=exited code=-1 signal=0 timedout=0")]
    [InlineData("state=exited signal=0 timedout=0")]
    [InlineData("state=exited code=3 signal=0 timedout=7")]
    [InlineData("state=exited code=99999999999 signal=0 timedout=0")]
    public void A_forged_record_is_malformed_and_carries_no_exit_code(string fields)
    {
        var status = Parse($"status id=a {fields} ended=100 pid=77");
        Assert.Equal(JobState.Lost, status.State);
        Assert.Equal(StatusParser.MalformedExitRecord, status.LostReason);
        Assert.Null(status.ExitCode);
        Assert.Null(status.Signal);
        Assert.Null(status.ShellExitCode);
        Assert.Equal("lost (malformed exit record)", status.Describe());
    }

    [Theory]
    [InlineData("state=exited code=0 signal=0 timedout=0", JobState.Exited, 0)]
    [InlineData("state=exited code=255 signal=0 timedout=0", JobState.Exited, 255)]
    [InlineData("state=killed code=129 signal=1 timedout=0", JobState.Killed, 129)]
    [InlineData("state=killed code=192 signal=64 timedout=1", JobState.TimedOut, 192)]
    [InlineData("state=exited code=0 signal=0 timedout=1", JobState.TimedOut, 0)]
    public void Records_within_the_ranges_are_kept(string fields, JobState state, int code)
    {
        var status = Parse($"status id=a {fields} ended=100");
        Assert.Equal((state, code), (status.State, status.ShellExitCode));
    }

    [Fact]
    public void A_record_written_on_a_full_disk_keeps_its_code_and_says_the_log_is_incomplete()
    {
        var status = Parse("status id=a state=exited code=5 signal=0 timedout=0 ended=100 nospace=1");
        Assert.Equal((JobState.Exited, 5), (status.State, status.ExitCode));
        Assert.True(status.LogIncomplete);
        Assert.Contains("disk on the target was full", status.Caveat, StringComparison.Ordinal);
        Assert.Null(Parse("status id=a state=exited code=5 signal=0 timedout=0 ended=100").Caveat);
    }
}
