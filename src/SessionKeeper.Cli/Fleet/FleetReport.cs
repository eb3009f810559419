using System.Buffers;
using System.Security.Cryptography;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Fleet.Runs;
using SessionKeeper.Core.Fleet.Targets;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Cli.Fleet;

/// <summary>The end of a fleet run: grouped output (--group), the summary (folded, or one row per host), or the JSON summary.</summary>
internal static class FleetReport
{
    /// <summary>
    /// Hosts with byte-identical output (stdout and stderr each) are printed once, under their names
    /// folded into ranges (<c>h[1-480,482-500] (499)</c>), stdout then stderr; groups in the natural
    /// order of their first name. The outputs are read from the mirror files in pieces (hashed, then
    /// copied), never held whole in memory.
    /// </summary>
    public static void PrintGrouped(IReadOnlyList<FleetHostResult> results, bool raw)
    {
        var stdout = Console.OpenStandardOutput();
        var groups = results
            .Select(r => (Result: r, Paths: MirrorFiles(r.Job.MirrorPath)))
            .Select(x => (x.Result, x.Paths, Hash: string.Join('/', x.Paths.Select(Hash))))
            .GroupBy(x => x.Hash)
            .OrderBy(g => g.Select(x => x.Result.Host).Min(NaturalOrder.Instance), NaturalOrder.Instance)
            .ToList();
        foreach (var group in groups)
        {
            var hosts = TerminalText.Visible(HostFolding.Fold(group.Select(x => x.Result.Host)));
            var header = System.Text.Encoding.UTF8.GetBytes($"----------------\n{hosts} ({group.Count()})\n----------------\n");
            stdout.Write(header);
            foreach (var path in group.First().Paths)
            {
                Copy(path, stdout, raw);
            }
        }

        stdout.Flush();
    }

    /// <summary>Hosts not ok listed one per row in the folded summary; beyond this many, they are only folded.</summary>
    public const int FailureRows = 20;

    /// <summary>The longest line of ok hosts in the folded summary (about three lines of a terminal); --summary full lists them all.</summary>
    public const int MaxOkLine = 240;

    /// <summary>
    /// The summary. On stdout when it is a terminal; otherwise on stderr, so that stdout carries the
    /// jobs' output only (a pipe or a file gets nothing else). Folded (the default): the hosts that
    /// did not end ok one per row (up to <see cref="FailureRows"/>), then one line per outcome with
    /// its hosts folded into ranges (<c>ok (498): h[1-136,138-480,482-500]</c>, <c>failed (exit 2)
    /// (2): h[137,481]</c>), then the counts: a few lines whatever the fleet's size. Full: one row
    /// per host, in natural order, then the counts.
    /// </summary>
    public static void PrintSummary(IReadOnlyList<FleetHostResult> results, TimeSpan elapsed, bool full)
    {
        var writer = Console.IsOutputRedirected ? Console.Error : Console.Out;
        var sorted = results.OrderBy(r => r.Host, NaturalOrder.Instance).ThenBy(r => r.Job.Id.Value, StringComparer.Ordinal).ToList();
        var notOk = sorted.Where(r => r.Outcome != FleetOutcome.Succeeded).ToList();
        var rows = full ? sorted : notOk.Count <= FailureRows ? notOk : [];
        if (rows.Count > 0)
        {
            var table = new TextTable("HOST", "STATE", "EXIT", "DURATION", "BYTES", "JOB").AlignRight(2).AlignRight(3).AlignRight(4);
            foreach (var r in rows)
            {
                table.Add(
                    r.Host,
                    r.Outcome.ToWire(),
                    r.Status?.ShellExitCode?.ToString() ?? "-",
                    r.Duration.TotalSeconds.ToString("0.0s"),
                    r.Bytes.ToString(),
                    r.Job.Id.Value);
            }

            table.WriteTo(writer);
        }

        if (!full)
        {
            foreach (var line in FoldedLines(results))
            {
                writer.WriteLine(line);
            }
        }

        var counts = string.Join(", ", results.GroupBy(r => r.Outcome).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToWire()}"));
        writer.WriteLine($"{results.Count} hosts in {elapsed.TotalSeconds:0.0} s: {counts}.");
    }

    /// <summary>
    /// One line per outcome (and exit code or signal), its hosts folded: <c>failed (exit 2) (2):
    /// h[137,481]</c>. Ok first, then as <see cref="FleetOutcome"/> orders them. Only the ok line is
    /// ever cut (at <see cref="MaxOkLine"/>, on a comma, saying how many hosts it leaves out): the
    /// hosts that did not end ok are always named. Names are made visible.
    /// </summary>
    internal static IEnumerable<string> FoldedLines(IReadOnlyList<FleetHostResult> results)
    {
        foreach (var group in results.GroupBy(r => (r.Outcome, Detail: Detail(r))).OrderBy(g => g.Key.Outcome).ThenBy(g => g.Key.Detail, NaturalOrder.Instance))
        {
            var label = group.Key.Detail.Length == 0 ? group.Key.Outcome.ToWire() : $"{group.Key.Outcome.ToWire()} ({group.Key.Detail})";
            var folded = HostFolding.FoldCounted(group.Select(r => r.Host)).Select(g => (Text: TerminalText.Visible(g.Text), g.Count)).ToList();
            var text = string.Join(",", folded.Select(g => g.Text));
            if (group.Key.Outcome == FleetOutcome.Succeeded && text.Length > MaxOkLine)
            {
                var kept = new List<string>();
                var (length, shown) = (0, 0);
                foreach (var part in folded)
                {
                    if (length + part.Text.Length + 1 > MaxOkLine)
                    {
                        break;
                    }

                    kept.Add(part.Text);
                    (length, shown) = (length + part.Text.Length + 1, shown + part.Count);
                }

                text = $"{string.Join(",", kept)}{(kept.Count > 0 ? "," : "")}... ({group.Count() - shown} more; --summary full lists every host)";
            }

            yield return $"{label} ({group.Count()}): {text}";
        }
    }

    /// <summary>What tells hosts of one outcome apart in the folded summary: the exit code, the signal.</summary>
    private static string Detail(FleetHostResult r) => r.Outcome switch
    {
        FleetOutcome.Failed when r.Status?.ExitCode is { } code => $"exit {code}",
        FleetOutcome.Killed when r.Status?.Signal is { } signal => SignalNames.Name(signal),
        _ => "",
    };

    public static void WriteSummary(JsonEvents json, IReadOnlyList<FleetHostResult> results, TimeSpan elapsed, string batchId, int exitCode) =>
        json.Write("summary", j =>
        {
            j.WriteString("batch", batchId);
            j.WriteNumber("hosts", results.Count);
            j.WriteNumber("elapsed_ms", (long)elapsed.TotalMilliseconds);
            j.WriteStartObject("outcomes");
            foreach (var group in results.GroupBy(r => r.Outcome).OrderBy(g => g.Key))
            {
                j.WriteNumber(group.Key.ToWire(), group.Count());
            }

            j.WriteEndObject();
            j.WriteStartObject("folded");
            foreach (var group in results.GroupBy(r => r.Outcome).OrderBy(g => g.Key))
            {
                j.WriteString(group.Key.ToWire(), HostFolding.Fold(group.Select(r => r.Host)));
            }

            j.WriteEndObject();
            j.WriteNumber("exit_code", exitCode);
        });

    /// <summary>A job's mirror files that exist, in the order they are printed: the one log (layout 1), stdout, stderr.</summary>
    private static List<string> MirrorFiles(string? mirror) => mirror is null
        ? []
        : [.. new[] { OutputKind.Combined, OutputKind.Stdout, OutputKind.Stderr }.Select(k => LogMirror.FileOf(mirror, k)).Where(File.Exists)];

    private static string Hash(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(file));
    }

    /// <summary>A host's output, ending with a newline; unless raw, each line's controls other than tab made visible.</summary>
    private static void Copy(string path, Stream stdout, bool raw)
    {
        using var file = File.OpenRead(path);
        var buffer = new byte[LineStream.MaxLine];
        if (raw)
        {
            var last = (byte)'\n';
            int n;
            while ((n = file.Read(buffer)) > 0)
            {
                stdout.Write(buffer.AsSpan(0, n));
                last = buffer[n - 1];
            }

            if (file.Length > 0 && last != (byte)'\n')
            {
                stdout.WriteByte((byte)'\n');
            }

            return;
        }

        var escaped = new ArrayBufferWriter<byte>();
        using var lines = new LineStream((line, continued) =>
        {
            escaped.ResetWrittenCount();
            TerminalText.VisibleLine(line, escaped);
            stdout.Write(escaped.WrittenSpan);
            if (!continued)
            {
                stdout.WriteByte((byte)'\n');
            }
        });
        int read;
        while ((read = file.Read(buffer)) > 0)
        {
            lines.Write(buffer.AsSpan(0, read));
        }
    }
}
