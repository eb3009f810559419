using System.Diagnostics;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// A fleet run on a terminal (a pty from util-linux `script`): the live progress line must not
/// overwrite what else is printed there. Tagged lines stream to the terminal, so they come without
/// a progress line; with --group the progress line runs, and a host's error waits for its end.
/// </summary>
[Collection(FleetTests.Name)]
public sealed class TerminalTests(FleetHost host)
{
    private const string Script = "/usr/bin/script";

    [SkippableFact(Timeout = 60_000)]
    public async Task Tagged_lines_reach_the_terminal_whole()
    {
        Prerequisite.Require(File.Exists(Script), "util-linux script is not installed");
        await using var lab = host.NewLab("tty");
        var targets = lab.Add(TargetKind.Good, 4);
        var screen = await RunOnTerminalAsync(lab, lab.RunArguments("echo hello; sleep 1; echo world", ["-j", "2", .. FleetLab.Fast], FleetLab.HostList(targets)));

        var lines = screen.Split('\n');
        foreach (var target in targets)
        {
            Assert.Contains($"{target.Label}: hello", lines);
            Assert.Contains($"{target.Label}: world", lines);
        }

        Assert.DoesNotContain(" done, ", screen, StringComparison.Ordinal);
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task With_group_the_progress_line_runs_and_errors_come_after_it()
    {
        Prerequisite.Require(File.Exists(Script), "util-linux script is not installed");
        await using var lab = host.NewLab("ttygroup");
        var targets = lab.Add(TargetKind.Good, 3);
        var refusing = lab.Add(TargetKind.Refusing);
        var screen = await RunOnTerminalAsync(lab, lab.RunArguments("sleep 1; echo same", ["--group", "-j", "2", .. FleetLab.Fast, .. FleetLab.ShortBudget], FleetLab.HostList(lab.Targets)));

        var progress = screen.LastIndexOf(" done, ", StringComparison.Ordinal);
        var error = screen.IndexOf($"sessionkeeper: {refusing.Label}: unreachable: ", StringComparison.Ordinal);
        Assert.True(progress >= 0, $"no progress line:\n{screen}");
        Assert.True(error > progress, $"the error line is missing or was printed under the progress line:\n{screen}");
        Assert.Contains($"\n{FleetLab.HostList(targets.OrderBy(t => t.Label, StringComparer.Ordinal))} (3)\n", screen, StringComparison.Ordinal);
    }

    /// <summary>What the terminal received, carriage returns dropped.</summary>
    private async Task<string> RunOnTerminalAsync(FleetLab lab, string[] args)
    {
        var command = string.Join(' ', new[] { host.Cli.FileName }.Concat(host.Cli.LeadingArguments).Concat(args).Select(Quote));
        var psi = new ProcessStartInfo(Script);
        foreach (var arg in (string[])["-q", "-e", "-c", command, "/dev/null"])
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["SESSIONKEEPER_STATE_DIR"] = lab.StateDir;
        psi.Environment["TERM"] = "xterm-256color";
        var result = await CliProcess.RunAsync(psi, TimeSpan.FromSeconds(45));
        Assert.True(result.ExitCode is 0 or 3, result.ToString());
        return result.StdoutText.Replace("\r", "", StringComparison.Ordinal);
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
