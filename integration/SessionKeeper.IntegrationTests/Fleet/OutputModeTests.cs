using System.Text.RegularExpressions;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// `--tag` (the default) prefixes each line with its host, stdout lines on stdout and stderr lines
/// on stderr; `--group` folds identical outputs (stdout, then stderr).
/// </summary>
[Collection(FleetTests.Name)]
public sealed partial class OutputModeTests(FleetHost host)
{
    private const int Hosts = 6;

    [Fact(Timeout = 60_000)]
    public async Task Group_folds_identical_outputs_under_all_their_hosts()
    {
        await using var lab = host.NewLab("group");
        var targets = lab.Add(TargetKind.Good, Hosts);
        var run = await lab.RunAsync(lab.RunArguments(Command(lab), ["--group", .. FleetLab.Fast], FleetLab.HostList(targets)));
        Assert.True(run.ExitCode == 0, run.ToString());

        string Block(IEnumerable<TargetHost> hosts, string parity) =>
            $"----------------\n{string.Join(',', hosts.Select(t => t.Label).Order(StringComparer.Ordinal))} (3)\n----------------\nhello\n{parity}\nwarn\n";
        var even = targets.Where(t => t.Number % 2 == 0).ToList();
        var odd = targets.Where(t => t.Number % 2 == 1).ToList();
        var blocks = new[] { Block(even, "even"), Block(odd, "odd") }.OrderBy(b => b.Split('\n')[1], StringComparer.Ordinal);
        Assert.Equal(string.Concat(blocks), run.StdoutText);

        // stdout is not a terminal: the summary table goes to stderr, one row per host.
        var table = run.Stderr;
        Assert.All(targets, t => Assert.Contains(t.Label, table, StringComparison.Ordinal));
        Assert.Contains($"{Hosts} hosts in", table, StringComparison.Ordinal);
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
