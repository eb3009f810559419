using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Tests.Core.Remote;

public class StatusParserTests
{
    private static JobStatus Parse(string body) => StatusParser.Parse(ReplyParser.ParseLine(body, "h"), "h");

    [Fact]
    public void Exited_carries_its_code()
    {
        var status = Parse("status id=a state=exited code=42 signal=0 timedout=0 ended=100 pid=77 pgid=77 start=9 boot=b created=90 logsize=3 cmd=6869");
        Assert.Equal(JobState.Exited, status.State);
        Assert.Equal(42, status.ExitCode);
        Assert.Null(status.Signal);
        Assert.Equal(42, status.ShellExitCode);
        Assert.Equal("hi", status.CommandPreview);
        Assert.Equal(77, status.Pid);
    }

    [Fact]
    public void A_command_that_is_not_utf8_keeps_its_bytes()
    {
        var status = Parse("status id=a state=running cmd=6869fffe");
        Assert.Equal("hi\uFFFD\uFFFD", status.CommandPreview);
        Assert.Equal([0x68, 0x69, 0xff, 0xfe], status.RawCommandPreview);
        Assert.Null(Parse("status id=a state=running cmd=c3bc").RawCommandPreview);
    }

    [Fact]
    public void A_preview_cut_inside_a_character_is_still_utf8()
    {
        var cut = string.Concat(Enumerable.Repeat("e282ac", 60))[..(StatusParser.CommandPreviewLength * 2)]; // 53 euro signs and 1 byte of one more
        Assert.Null(Parse($"status id=a state=running cmd={cut}").RawCommandPreview);
        Assert.NotNull(Parse($"status id=a state=running cmd={cut[..^2]}ff").RawCommandPreview);
    }

    [Fact]
    public void Killed_carries_its_signal_and_the_shell_code()
    {
        var status = Parse("status id=a state=killed code=143 signal=15 timedout=0 ended=1");
        Assert.Equal(JobState.Killed, status.State);
        Assert.Equal(15, status.Signal);
        Assert.Equal(143, status.ShellExitCode);
    }

    [Fact]
    public void Timed_out_is_its_own_state() =>
        Assert.Equal(JobState.TimedOut, Parse("status id=a state=killed code=143 signal=15 timedout=1 ended=1").State);

    [Fact]
    public void Running_has_no_exit_code() =>
        Assert.Null(Parse("status id=a state=running code=5 pid=12").ExitCode);

    [Theory]
    [InlineData("pid=0")]
    [InlineData("pid=1")]
    [InlineData("pid=-1")]
    [InlineData("pid=x")]
    public void Implausible_pids_are_dropped(string pid) =>
        Assert.Null(Parse($"status id=a state=running {pid}").Pid);

    [Fact]
    public void Lost_carries_its_reason() =>
        Assert.Equal("rebooted", Parse("status id=a state=lost reason=rebooted").LostReason);

    [Theory]
    [InlineData("status id=a state=zombie")]
    [InlineData("status id=../a state=running")]
    [InlineData("launched id=a state=running")]
    public void Unknown_states_and_bad_ids_are_refused(string body) =>
        Assert.Throws<SessionKeeperException>(() => Parse(body));
}
