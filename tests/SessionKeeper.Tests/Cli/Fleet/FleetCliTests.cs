using System.Text;
using SessionKeeper.Cli.Fleet;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Tests.Cli.Fleet;

public class FleetCliTests
{
    [Theory]
    [InlineData("3", 100, 3)]
    [InlineData("10%", 100, 10)]
    [InlineData("10%", 5, 1)]
    [InlineData("0%", 50, 1)]
    [InlineData("100%", 7, 7)]
    [InlineData("2.5%", 100, 3)]
    public void Max_failures_take_counts_and_percentages(string text, int total, int expected) =>
        Assert.Equal(expected, FleetFollow.MaxFailures(text, total));

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("x")]
    [InlineData("150%")]
    [InlineData("%")]
    public void Bad_max_failures_are_refused(string text) =>
        Assert.Equal(FailureKind.InvalidInput, Assert.Throws<SessionKeeperException>(() => FleetFollow.MaxFailures(text, 10)).Kind);

    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--summary", "folded" }, false)]
    [InlineData(new[] { "--summary", "full" }, true)]
    [InlineData(new[] { "--group", "--summary", "full" }, true)]
    public void Summary_is_folded_unless_full_is_asked_for(string[] args, bool full)
    {
        var fleet = new FleetArguments();
        var command = new System.CommandLine.Command("run");
        fleet.AddTo(command);
        Assert.Equal(full, fleet.Mode(command.Parse(args)).FullSummary);
    }

    [Fact]
    public void A_bad_summary_is_refused_with_the_choices()
    {
        var fleet = new FleetArguments();
        var command = new System.CommandLine.Command("run");
        fleet.AddTo(command);
        var error = Assert.Throws<SessionKeeperException>(() => fleet.Mode(command.Parse(["--summary", "short"])));
        Assert.Equal((FailureKind.InvalidInput, "invalid --summary 'short': use folded (the default) or full."), (error.Kind, error.Message));
    }

    [Theory]
    [InlineData("web1", false)]
    [InlineData("user@web1", false)]
    [InlineData("web1,web2", true)]
    [InlineData("web[01-10]", true)]
    [InlineData("@hosts.txt", true)]
    [InlineData("user@[::1]:2222", false)]
    [InlineData("[::1]", false)]
    [InlineData("user@[10.0.0.1]:22", false)]
    [InlineData("user@h@x", false)]
    [InlineData("user@web[1-3]:22", true)]
    public void Several_hosts_are_recognised(string spec, bool fleet) => Assert.Equal(fleet, FleetPlan.IsFleetSpec(spec));

    [Fact]
    public void Tagged_lines_never_interleave_and_partial_lines_are_finished()
    {
        using var stdout = new MemoryStream();
        var tagged = new TaggedOutput(new object(), raw: false);
        var a = tagged.For("a", stdout);
        var b = tagged.For("b", stdout);
        a.Write("one\ntw"u8);
        b.Write("x"u8);
        a.Write("o\n"u8);
        b.Write("y\nz"u8);
        a.Dispose();
        b.Dispose();
        Assert.Equal("a: one\na: two\nb: xy\nb: z\n", Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [Fact]
    public void Json_events_carry_one_output_line_each()
    {
        using var stdout = new MemoryStream();
        var events = new JsonEvents(stdout, new object());
        using (var output = events.OutputFor("h", "j", "stdout", "sk@127.0.0.1:2222"))
        {
            output.Write("l1\nl2"u8);
        }

        var lines = Encoding.UTF8.GetString(stdout.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Contains("\"host\":\"h\",\"target\":\"sk@127.0.0.1:2222\"", l, StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Contains("\"event\":\"output\"", l, StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Contains("\"stream\":\"stdout\"", l, StringComparison.Ordinal));
        Assert.Contains("\"line\":\"l1\"", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"line\":\"l2\"", lines[1], StringComparison.Ordinal);
    }
}
