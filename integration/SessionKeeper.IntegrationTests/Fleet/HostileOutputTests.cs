using System.Text;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// A host's output in --tag and --group mode can't drive the operator's terminal: its escape
/// sequences, carriage returns and bells are shown escaped (unless --raw), so one host can't
/// overwrite another host's tagged line.
/// </summary>
public sealed class HostileOutputTests(FleetHost host) : IClassFixture<FleetHost>
{
    // Up a line, erase it, back to column 0, then a forged tag; a bell and a C1 CSI; bytes that are not UTF-8.
    private const string Hostile = @"printf 'ok\n\033[1A\033[2K\rforged: hi\007\302\2332J\377\tend\n'";

    [Theory(Timeout = 60_000)]
    [InlineData("--tag")]
    [InlineData("--group")]
    public async Task Controls_in_a_hosts_output_are_shown_escaped(string mode)
    {
        await using var lab = host.NewLab("hostile");
        var targets = lab.Add(TargetKind.Good, 2);
        var run = await lab.RunAsync(lab.RunArguments(Hostile, [mode, .. FleetLab.Fast], FleetLab.HostList(targets)));
        Assert.True(run.ExitCode == 0, run.ToString());

        AssertNoControls(run.Stdout);
        AssertNoControls(Encoding.UTF8.GetBytes(run.Stderr));
        const string Escaped = "\\e[1A\\e[2K\\rforged: hi\\x07\\u009b2J\\xff\tend";
        if (mode == "--tag")
        {
            // Hosts' lines interleave (a line is the unit); each host's own lines come in order.
            var lines = run.StdoutText.Split('\n');
            foreach (var target in targets)
            {
                var prefix = target.Label + ": ";
                var own = lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => l[prefix.Length..]).ToArray();
                Assert.Equal(["ok", Escaped], own);
            }
        }
        else
        {
            Assert.EndsWith($"(2)\n----------------\nok\n{Escaped}\n", run.StdoutText, StringComparison.Ordinal);
        }
    }

    [Theory(Timeout = 60_000)]
    [InlineData("--tag")]
    [InlineData("--group")]
    public async Task With_raw_the_bytes_go_out_as_they_are(string mode)
    {
        await using var lab = host.NewLab("raw");
        var target = lab.Add(TargetKind.Good);
        var run = await lab.RunAsync(lab.RunArguments(Hostile, [mode, "--raw", .. FleetLab.Fast], target.Label));
        Assert.True(run.ExitCode == 0, run.ToString());

        byte[] line = [.. "\x1b[1A\x1b[2K\rforged: hi\a"u8, 0xc2, 0x9b, .. "2J"u8, 0xff, .. "\tend\n"u8];
        byte[] expected = mode == "--tag"
            ? [.. Encoding.UTF8.GetBytes($"{target.Label}: ok\n{target.Label}: "), .. line]
            : [.. "ok\n"u8, .. line];
        Assert.True(run.Stdout.AsSpan().EndsWith(expected), run.ToString());
    }

    [Fact(Timeout = 30_000)]
    public async Task Raw_with_json_is_refused()
    {
        await using var lab = host.NewLab("rawjson");
        var target = lab.Add(TargetKind.Good);
        var run = await lab.RunAsync(lab.RunArguments("true", ["--json", "--raw"], target.Label));
        Assert.Equal(251, run.ExitCode);
        Assert.Contains("--raw applies to --tag and --group", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, target.Proxy!.TotalConnections);
    }

    [Fact(Timeout = 60_000)]
    public async Task Json_gives_bytes_that_are_not_utf8_in_base64()
    {
        await using var lab = host.NewLab("b64");
        var target = lab.Add(TargetKind.Good);
        var run = await lab.RunAsync(lab.RunArguments(@"printf 'caf\351\n\303\251t\351\n'", ["--json", .. FleetLab.Fast], target.Label));
        Assert.True(run.ExitCode == 0, run.ToString());

        var outputs = run.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("event").GetString() == "output")
            .ToList();
        Assert.Equal(2, outputs.Count);
        Assert.Equal([(byte)'c', (byte)'a', (byte)'f', 0xe9], outputs[0].GetProperty("line_base64").GetBytesFromBase64());
        Assert.Equal([0xc3, 0xa9, (byte)'t', 0xe9], outputs[1].GetProperty("line_base64").GetBytesFromBase64());
    }

    private static void AssertNoControls(byte[] bytes)
    {
        var bad = bytes.Select((b, i) => (b, i)).Where(x => x.b is < 0x20 and not (byte)'\n' and not (byte)'\t' or 0x7f).ToList();
        Assert.True(bad.Count == 0, $"control bytes at {string.Join(", ", bad.Take(5).Select(x => $"{x.i}: 0x{x.b:x2}"))} in:\n{Encoding.UTF8.GetString(bytes)}");
        var text = Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain(text, c => c is >= '\u0080' and <= '\u009f');
        Assert.Equal(bytes, new UTF8Encoding(false, true).GetBytes(new UTF8Encoding(false, true).GetString(bytes)));
    }
}
