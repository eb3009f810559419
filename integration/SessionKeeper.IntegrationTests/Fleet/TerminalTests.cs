using System.Diagnostics;
using System.Text;
using SessionKeeper.Core.Fleet.Targets;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// A fleet run on a terminal (a pty from util-linux `script`): the progress line at the bottom is
/// erased before anything else is written and drawn again after it, so what the terminal finally
/// shows (its erasures applied) is every tagged line whole and the summary, with no progress line
/// left over. And the proof: 500 hosts (ssh_config aliases of one sshd), all but two ok.
/// </summary>
[LongRunning(105)]
public sealed class TerminalTests(FleetHost host, ITestOutputHelper output) : IClassFixture<FleetHost>
{
    private const string Script = "/usr/bin/script";

    /// <summary>What the progress line is drawn with: carriage return, erase to the end of the line.</summary>
    private const string Erase = "\r\u001b[K";

    [SkippableFact(Timeout = 90_000)]
    public async Task Tagged_lines_reach_the_terminal_whole_under_the_progress_line()
    {
        Prerequisite.Require(File.Exists(Script), "util-linux script is not installed");
        await using var lab = host.NewLab("tty");
        var targets = lab.Add(TargetKind.Good, 4);
        var raw = await RunOnTerminalAsync(lab, lab.RunArguments("echo hello; sleep 2; echo world >&2", ["-j", "2", .. FleetLab.Fast], FleetLab.HostList(targets)), TimeSpan.FromSeconds(75));

        // The progress line was drawn (the hosts sleep 2 s: the 250 ms timer draws it meanwhile).
        Assert.Contains(Erase + "0/4 done", raw, StringComparison.Ordinal);
        var drawn = raw.Split(Erase).Where(p => p.Contains(" done", StringComparison.Ordinal) && !p.Contains('\n')).ToList();
        output.WriteLine($"progress lines drawn: {drawn.Count}; the last: {drawn[^1]}");
        var screen = Shown(raw).Split('\n');
        foreach (var target in targets)
        {
            Assert.Contains($"{target.Label}: hello", screen);
            Assert.Contains($"{target.Label}: world", screen);
        }

        // Nothing of the progress line is left on the screen; the summary follows the output.
        Assert.DoesNotContain(screen, l => l.Contains(" done", StringComparison.Ordinal));
        Assert.Single(screen, l => l.StartsWith("4 hosts in ", StringComparison.Ordinal));
    }

    [SkippableFact(Timeout = 90_000)]
    public async Task With_group_errors_are_written_above_the_progress_line()
    {
        Prerequisite.Require(File.Exists(Script), "util-linux script is not installed");
        await using var lab = host.NewLab("ttygroup");
        var targets = lab.Add(TargetKind.Good, 3);
        var refusing = lab.Add(TargetKind.Refusing);
        var raw = await RunOnTerminalAsync(lab, lab.RunArguments("sleep 1; echo same", ["--group", "-j", "2", .. FleetLab.Fast, .. FleetLab.ShortBudget], FleetLab.HostList(lab.Targets)), TimeSpan.FromSeconds(75));

        Assert.Contains(Erase, raw, StringComparison.Ordinal);
        var screen = Shown(raw).Split('\n');
        var error = Array.FindIndex(screen, l => l.StartsWith($"sessionkeeper: {refusing.Label}: unreachable: ", StringComparison.Ordinal));
        var block = Array.FindIndex(screen, l => l.EndsWith(" (3)", StringComparison.Ordinal));
        Assert.True(error >= 0 && block > error, $"the error line is missing or came after the output:\n{string.Join('\n', screen)}");
        Assert.Equal(targets.Select(t => t.Label).Order(StringComparer.Ordinal), HostFolding.Unfold(screen[block][..^" (3)".Length]).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(screen, l => l.Contains(" done", StringComparison.Ordinal));
    }

    /// <summary>
    /// The proof: 500 hosts (aliases h1 ... h500 of one sshd, by a range) on a terminal, all
    /// but h137 and h481 ok. The summary after the output fits in 10 lines and names both failures
    /// by alias; with --summary full it lists 500 rows, h1 ... h500 in natural order.
    /// </summary>
    [SkippableFact(Timeout = 600_000)]
    public async Task Five_hundred_hosts_summary_fits_in_ten_lines_and_full_lists_them_all()
    {
        Prerequisite.Require(File.Exists(Script), "util-linux script is not installed");
        await using var lab = host.NewLab("fivehundred");
        var config = lab.Aliases(500);
        const string Command = "case $SESSIONKEEPER_JOB_ID in *-137|*-481) echo broken >&2; exit 2;; esac; echo ok";
        string[] options = [.. config, "-j", "48", .. FleetLab.Fast];

        var clock = Stopwatch.StartNew();
        var folded = Shown(await RunOnTerminalAsync(lab, lab.RunArguments(Command, options, "h[1-500]"), TimeSpan.FromSeconds(280), expectedExit: 1));
        output.WriteLine($"500 hosts, folded summary: {clock.Elapsed.TotalSeconds:0.0} s");
        var summary = Summary(folded);
        output.WriteLine(string.Join('\n', summary));
        Assert.InRange(summary.Count, 3, 10);
        Assert.Contains("ok (498): h[1-136,138-480,482-500]", summary);
        Assert.Contains("failed (exit 2) (2): h[137,481]", summary);
        Assert.Equal(["h137", "h481"], summary.Where(l => l.StartsWith('h') && l.Contains(" failed ", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]));
        Assert.Equal(500, folded.Split('\n').Count(l => l.StartsWith('h') && (l.EndsWith(": ok", StringComparison.Ordinal) || l.EndsWith(": broken", StringComparison.Ordinal))));

        clock.Restart();
        var lab2 = lab.BatchId + "f";
        var fullArgs = lab.RunArguments(Command, [.. options, "--summary", "full"], "h[1-500]");
        fullArgs[Array.IndexOf(fullArgs, lab.BatchId)] = lab2;
        var full = Summary(Shown(await RunOnTerminalAsync(lab, fullArgs, TimeSpan.FromSeconds(280), expectedExit: 1)));
        output.WriteLine($"500 hosts, --summary full: {clock.Elapsed.TotalSeconds:0.0} s; first and last rows:\n{string.Join('\n', full.Take(4))}\n...\n{string.Join('\n', full.TakeLast(3))}");
        var rows = full.Skip(1).Where(l => l.StartsWith('h')).ToList();
        Assert.Equal(Enumerable.Range(1, 500).Select(n => $"h{n}"), rows.Select(r => r.Split(' ')[0]));
        Assert.Equal(["h137", "h481"], rows.Where(r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == "failed").Select(r => r.Split(' ')[0]));
        Assert.StartsWith("500 hosts in ", full[^1], StringComparison.Ordinal);
    }

    /// <summary>The summary: from its table header (or its first outcome line) to the counts line.</summary>
    private static List<string> Summary(string screen)
    {
        var lines = screen.Split('\n');
        var end = Array.FindLastIndex(lines, l => l.Contains(" hosts in ", StringComparison.Ordinal));
        var start = Array.FindLastIndex(lines, end, l => l.StartsWith("HOST ", StringComparison.Ordinal));
        start = start >= 0 ? start : Array.FindLastIndex(lines, end, l => l.StartsWith("ok (", StringComparison.Ordinal));
        Assert.True(start >= 0 && end >= start, screen);
        return [.. lines[start..(end + 1)]];
    }

    /// <summary>What the terminal shows once each erasure (carriage return, erase line) is applied.</summary>
    private static string Shown(string raw)
    {
        var screen = new StringBuilder();
        var pieces = raw.Replace("\r\n", "\n", StringComparison.Ordinal).Split(Erase);
        for (var i = 0; i < pieces.Length; i++)
        {
            if (i > 0)
            {
                screen.Length = screen.ToString().LastIndexOf('\n') + 1;
            }

            screen.Append(pieces[i]);
        }

        return screen.ToString();
    }

    /// <summary>What the terminal received, as it came (carriage returns and escapes included).</summary>
    private async Task<string> RunOnTerminalAsync(FleetLab lab, string[] args, TimeSpan timeout, int? expectedExit = null)
    {
        var command = string.Join(' ', new[] { host.Cli.FileName }.Concat(host.Cli.LeadingArguments).Concat(args).Select(Quote));
        var psi = new ProcessStartInfo(Script);
        foreach (var arg in (string[])["-q", "-f", "-e", "-c", command, "/dev/null"])
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["SESSIONKEEPER_STATE_DIR"] = lab.StateDir;
        psi.Environment["TERM"] = "xterm-256color";
        var result = await CliProcess.RunAsync(psi, timeout);
        Assert.True(expectedExit is { } code ? result.ExitCode == code : result.ExitCode is 0 or 3, result.ToString());
        return result.StdoutText;
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
