using System.Text.RegularExpressions;
using SessionKeeper.Core.Fleet.Targets;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// `--tag` (the default) prefixes each line with its host, stdout lines on stdout and stderr lines
/// on stderr; `--group` folds identical outputs (stdout, then stderr).
/// </summary>
public sealed partial class OutputModeTests(FleetHost host) : IClassFixture<FleetHost>
{
    private const int Hosts = 6;

    [Fact(Timeout = 60_000)]
    public async Task Group_folds_identical_outputs_under_all_their_hosts()
    {
        await using var lab = host.NewLab("group");
        var targets = lab.Add(TargetKind.Good, Hosts);
        var run = await lab.RunAsync(lab.RunArguments(Command(lab), ["--group", .. FleetLab.Fast], FleetLab.HostList(targets)));
        Assert.True(run.ExitCode == 0, run.ToString());

        // Each block's hosts folded into ranges (sk-fleet@127.0.0.1:[41001,41003,41005]), which
        // the range parser expands back to exactly those hosts; blocks in natural order.
        var even = targets.Where(t => t.Number % 2 == 0).Select(t => t.Label).ToList();
        var odd = targets.Where(t => t.Number % 2 == 1).Select(t => t.Label).ToList();
        var blocks = new[] { (Hosts: even, Parity: "even"), (Hosts: odd, Parity: "odd") }.OrderBy(b => b.Hosts.Min(NaturalOrder.Instance), NaturalOrder.Instance).ToList();
        var lines = run.StdoutText.Split('\n');
        Assert.Equal(13, lines.Length);
        for (var i = 0; i < 2; i++)
        {
            var block = lines[(i * 6)..((i * 6) + 6)];
            Assert.Equal(["----------------", "----------------", "hello", blocks[i].Parity, "warn"], [block[0], block[2], block[3], block[4], block[5]]);
            Assert.EndsWith(" (3)", block[1], StringComparison.Ordinal);
            Assert.Equal(blocks[i].Hosts.Order(StringComparer.Ordinal), HostFolding.Unfold(block[1][..^" (3)".Length]).Order(StringComparer.Ordinal));
        }

        // stdout is not a terminal: the summary goes to stderr, every host folded on its outcome's line.
        var ok = Assert.Single(run.Stderr.Split('\n'), l => l.StartsWith($"ok ({Hosts}): ", StringComparison.Ordinal));
        Assert.Equal(targets.Select(t => t.Label).Order(StringComparer.Ordinal), HostFolding.Unfold(ok[$"ok ({Hosts}): ".Length..]).Order(StringComparer.Ordinal));
        Assert.Contains($"{Hosts} hosts in", run.Stderr, StringComparison.Ordinal);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("--tag")]
    [InlineData(null)]
    public async Task Tag_prefixes_every_line_with_its_host(string? option)
    {
        await using var lab = host.NewLab("tag");
        var targets = lab.Add(TargetKind.Good, Hosts);
        var run = await lab.RunAsync(lab.RunArguments(Command(lab), [.. option is null ? [] : new[] { option }, .. FleetLab.Fast], FleetLab.HostList(targets)));
        Assert.True(run.ExitCode == 0, run.ToString());

        var lines = run.StdoutText.Split('\n');
        var labels = targets.ToDictionary(t => t.Label);
        var tagged = lines.Select(l => TaggedLine().Match(l)).Where(m => m.Success && labels.ContainsKey(m.Groups["host"].Value)).ToList();
        Assert.Equal(Hosts * 2, tagged.Count);
        foreach (var target in targets)
        {
            var own = tagged.Where(m => m.Groups["host"].Value == target.Label).Select(m => m.Groups["line"].Value);
            Assert.Equal(["hello", target.Number % 2 == 0 ? "even" : "odd"], own);
        }

        // stdout is not a terminal: it carries the tagged lines only, the summary table is on stderr.
        Assert.Equal(Hosts * 2, lines.Count(l => l.Length > 0));
        Assert.Contains($"{Hosts} hosts in", run.Stderr, StringComparison.Ordinal);

        // Each host's stderr line, tagged, on stderr.
        var errors = run.Stderr.Split('\n').Select(l => TaggedLine().Match(l)).Where(m => m.Success && labels.ContainsKey(m.Groups["host"].Value)).ToList();
        Assert.Equal(targets.Select(t => t.Label).Order(StringComparer.Ordinal), errors.Select(m => m.Groups["host"].Value).Order(StringComparer.Ordinal));
        Assert.All(errors, m => Assert.Equal("warn", m.Groups["line"].Value));
    }

    /// <summary>
    /// Through Dropbear as through OpenSSH, each stream stays itself: the JSON output events say
    /// which stream a line came from, and a line of binary stderr arrives byte for byte.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Json_output_events_name_the_stream_on_dropbear_and_openssh()
    {
        Prerequisite.Require(host.Dropbear is not null, "needs Dropbear (dropbear-bin) and root");
        await using var lab = host.NewLab("streams");
        var targets = new[] { lab.Add(TargetKind.Dropbear), lab.Add(TargetKind.Good) };
        var run = await lab.RunAsync(lab.RunArguments("echo out; printf 'e\\377rr\\n' >&2; echo out2", ["--json", .. FleetLab.Fast], FleetLab.HostList(targets)));
        Assert.True(run.ExitCode == 0, run.ToString());

        var events = FleetEvent.ParseAll(run);
        foreach (var target in targets)
        {
            var output = events.Where(e => e.Event == "output" && e.Host == target.Label).ToList();
            Assert.Equal(["out", "out2"], output.Where(e => e.Raw.GetProperty("stream").GetString() == "stdout").Select(e => e.Line));
            var error = Assert.Single(output, e => e.Raw.GetProperty("stream").GetString() == "stderr");
            Assert.Equal([(byte)'e', 0xff, (byte)'r', (byte)'r'], error.Raw.GetProperty("line_base64").GetBytesFromBase64());
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Tag_and_group_together_are_refused()
    {
        await using var lab = host.NewLab("both");
        var targets = lab.Add(TargetKind.Good, 2);
        var run = await lab.RunAsync(lab.RunArguments("true", ["--tag", "--group"], FleetLab.HostList(targets)));
        Assert.Equal(251, run.ExitCode);
        Assert.Contains("choose one of --tag, --group and --json", run.Stderr, StringComparison.Ordinal);
        Assert.All(targets, t => Assert.Equal(0, t.Proxy!.TotalConnections));
    }

    private static string Command(FleetLab lab) =>
        FleetJob.Prelude(lab.CounterDir) + "echo hello; echo warn >&2; if [ $((n % 2)) = 0 ]; then echo even; else echo odd; fi";

    [GeneratedRegex("^(?<host>[^ ]+@127\\.0\\.0\\.1:[0-9]+): (?<line>.*)$")]
    private static partial Regex TaggedLine();
}
