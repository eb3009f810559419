using System.Text;
using SessionKeeper.Cli.Fleet;
using SessionKeeper.Core.Fleet.Runs;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Tests.Cli.Fleet;

/// <summary>The folded summary's outcome lines, and the progress line that job output is written above.</summary>
public class FleetSummaryTests
{
    [Fact]
    public void Hosts_with_the_same_outcome_fold_and_failures_are_named_by_their_exit_code()
    {
        var results = Enumerable.Range(1, 500).Select(n => n switch
        {
            137 or 481 => Result($"h{n}", n, FleetOutcome.Failed, exit: 2),
            _ => Result($"h{n}", n, FleetOutcome.Succeeded, exit: 0),
        }).Reverse().ToList();

        Assert.Equal(
            ["ok (498): h[1-136,138-480,482-500]", "failed (exit 2) (2): h[137,481]"],
            FleetReport.FoldedLines(results));
    }

    [Fact]
    public void Outcomes_come_in_their_order_exit_codes_and_signals_apart()
    {
        List<FleetHostResult> results =
        [
            Result("web10", 1, FleetOutcome.Failed, exit: 1),
            Result("web2", 2, FleetOutcome.Failed, exit: 3),
            Result("web3", 3, FleetOutcome.Failed, exit: 1),
            Result("db1", 4, FleetOutcome.Killed, exit: 137, signal: 9),
            Result("db2", 5, FleetOutcome.Unreachable, exit: null),
            Result("web1", 6, FleetOutcome.Succeeded, exit: 0),
        ];

        Assert.Equal(
            ["ok (1): web1", "failed (exit 1) (2): web[3,10]", "failed (exit 3) (1): web2", "killed (SIGKILL) (1): db1", "unreachable (1): db2"],
            FleetReport.FoldedLines(results));
    }

    [Fact]
    public void A_long_ok_line_is_cut_and_says_how_many_it_leaves_out_but_failures_are_all_named()
    {
        // Names that do not fold: every one is its own group.
        var ok = Enumerable.Range(1, 300).Select(n => Result($"node-{(char)('a' + (n % 26))}{n}x{n}", n, FleetOutcome.Succeeded, exit: 0));
        var failed = Enumerable.Range(1, 40).Select(n => Result($"bad-{(char)('a' + (n % 26))}{n}x{n}", 1000 + n, FleetOutcome.Failed, exit: 1));

        var lines = FleetReport.FoldedLines([.. ok, .. failed]).ToList();

        Assert.Equal(2, lines.Count);
        Assert.StartsWith("ok (300): ", lines[0], StringComparison.Ordinal);
        Assert.InRange(lines[0].Length, 200, FleetReport.MaxOkLine + 80);
        var shown = lines[0]["ok (300): ".Length..lines[0].IndexOf(",...", StringComparison.Ordinal)].Split(',').Length;
        Assert.EndsWith($",... ({300 - shown} more; --summary full lists every host)", lines[0], StringComparison.Ordinal);
        Assert.All(failed, f => Assert.Contains(f.Host, lines[1].Split(": ", 2)[1].Split(','), StringComparer.Ordinal));
    }

    [Fact]
    public void Names_from_targets_are_made_visible()
    {
        var lines = FleetReport.FoldedLines([Result("evil\u001b[2Jhost", 1, FleetOutcome.Failed, exit: 1)]);
        Assert.Equal(["failed (exit 1) (1): evil\\e[2Jhost"], lines);
    }

    [Fact]
    public void Output_is_written_above_the_progress_line_which_is_drawn_again_after_it()
    {
        var gate = new object();
        using var terminal = new MemoryStream();
        var progress = new ProgressLine(gate, terminal, _ => "1/2 done");
        var tagged = new TaggedOutput(gate, raw: false) { Overlay = progress };
        using var host = tagged.For("h1", terminal);

        progress.Draw();
        host.Write("hello\n"u8);
        progress.Draw();
        progress.Stop();

        // Drawn, erased, the line, drawn again (after the line when 100 ms have passed, and by the timer), erased for good.
        var screen = Encoding.UTF8.GetString(terminal.ToArray());
        Assert.StartsWith("\r\u001b[K1/2 done\r\u001b[Kh1: hello\n", screen, StringComparison.Ordinal);
        Assert.EndsWith("\r\u001b[K", screen, StringComparison.Ordinal);
        Assert.Equal("h1: hello\n", Emulate(screen));
    }

    [Theory]
    [InlineData("short", 80, "short")]
    [InlineData("0123456789", 10, "0123456789")]
    [InlineData("0123456789ab", 10, "012345678…")]
    public void The_progress_line_never_wraps(string line, int width, string expected) => Assert.Equal(expected, ProgressLine.Fit(line, width));

    /// <summary>What a terminal shows: "\r\e[K" erases the current line.</summary>
    internal static string Emulate(string output)
    {
        var screen = new StringBuilder();
        foreach (var (piece, i) in output.Split("\r\u001b[K").Select((p, i) => (p, i)))
        {
            if (i > 0)
            {
                var lineStart = screen.ToString().LastIndexOf('\n') + 1;
                screen.Length = lineStart;
            }

            screen.Append(piece);
        }

        return screen.ToString();
    }

    private static FleetHostResult Result(string name, int number, FleetOutcome outcome, int? exit, int? signal = null)
    {
        var id = JobId.Parse($"b-{number}");
        var job = new JournalJob
        {
            Id = id,
            Name = name,
            Endpoint = new JobEndpoint("sk", "127.0.0.1", 2222, [], [], TimeSpan.FromSeconds(3)),
            Cookie = JobCookie.Parse("c00c1e5eed"),
            Spec = new JobSpec("true"),
        };
        var status = exit is null ? null : new JobStatus
        {
            Id = id,
            State = outcome switch { FleetOutcome.Killed => JobState.Killed, _ => JobState.Exited },
            ExitCode = exit,
            Signal = signal,
        };
        return new FleetHostResult(job, outcome, status, exit is null ? "connection refused" : null, TimeSpan.FromSeconds(1), 10);
    }
}
