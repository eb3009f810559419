using System.Text;
using SessionKeeper.IntegrationTests.Infrastructure;
using SessionKeeper.IntegrationTests.Streaming;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// Two hosts each print 96 MiB without a newline. With --tag a host's line is cut at 64 KiB (the
/// rest tagged "HOST+ "); with --group the outputs are read back from the mirrors in pieces. The
/// CLI's peak memory stays within that of a tiny run of the same fleet plus a bound made of the
/// per-host buffers (64 KiB line, 256 KiB escaped line) and a fixed allowance for the runtime's
/// heap growth and SSH.NET's channel buffers; holding either output whole would exceed it.
/// </summary>
[Collection(FleetTests.Name)]
public sealed class FleetMemoryTests(FleetHost host, ITestOutputHelper output)
{
    private const long Size = 96L << 20;
    private const double AllowanceMiB = 48;

    [Theory(Timeout = 300_000)]
    [InlineData("--tag")]
    [InlineData("--group")]
    public async Task Output_without_newlines_is_streamed_in_bounded_memory(string mode)
    {
        await using var lab = host.NewLab("mem");
        var targets = lab.Add(TargetKind.Good, 2);
        var baseline = await PeakAsync(lab, "small", "printf x", mode, targets);
        var big = await PeakAsync(lab, "big", $"head -c {Size} /dev/zero | tr '\\000' x", mode, targets);
        var bound = baseline.PeakMiB + AllowanceMiB + (targets.Count * 5 * 64 / 1024.0);
        output.WriteLine($"{mode}: tiny run peak {baseline.PeakMiB:0.0} MiB, 2 x {Size >> 20} MiB peak {big.PeakMiB:0.0} MiB (bound {bound:0.0} MiB)");

        // Every byte arrives, in pieces of at most 64 KiB under --tag.
        using var file = File.OpenRead(big.StdoutPath);
        using var reader = new StreamReader(file, Encoding.ASCII);
        var counts = targets.ToDictionary(t => t.Label, _ => 0L);
        var longest = 0;
        if (mode == "--tag")
        {
            string? line;
            while ((line = await reader.ReadLineAsync()) is not null)
            {
                var tag = line.IndexOf(' ', StringComparison.Ordinal);
                var label = line[..(tag - 1)];
                Assert.True(counts.ContainsKey(label), line[..Math.Min(line.Length, 80)]);
                var body = line.AsSpan(tag + 1);
                Assert.True(body.IndexOfAnyExcept('x') < 0, "a byte other than x");
                counts[label] += body.Length;
                longest = Math.Max(longest, body.Length);
            }

            Assert.Equal(64 * 1024, longest);
        }
        else
        {
            Assert.Equal("----------------", await reader.ReadLineAsync());
            Assert.EndsWith("(2)", await reader.ReadLineAsync(), StringComparison.Ordinal);
            Assert.Equal("----------------", await reader.ReadLineAsync());
            var body = await reader.ReadLineAsync();
            Assert.NotNull(body);
            Assert.Equal(Size, body.Length);
            Assert.True(body.AsSpan().IndexOfAnyExcept('x') < 0, "a byte other than x");
            Assert.Null(await reader.ReadLineAsync());
            counts = counts.ToDictionary(c => c.Key, _ => Size);
        }

        Assert.All(counts.Values, c => Assert.Equal(Size, c));
        Assert.InRange(big.PeakMiB, 1, bound);
    }

    private static async Task<(double PeakMiB, string StdoutPath)> PeakAsync(FleetLab lab, string name, string command, string mode, IReadOnlyList<TargetHost> targets)
    {
        var stdoutPath = Path.Combine(lab.StateDir, $"{name}.stdout");
        string[] args = ["run", "--id", lab.BatchId + name, "--shell", "/bin/sh", .. lab.ConnectionOptions, mode, .. FleetLab.Fast, "-H", FleetLab.HostList(targets), "--", command];
        await using var cli = lab.StartToFile(stdoutPath, args);
        await using var memory = new PeakMemory(cli.Pid);
        var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(240));
        Assert.True(result.ExitCode == 0, result.ToString());
        return (memory.PeakMiB, stdoutPath);
    }
}
