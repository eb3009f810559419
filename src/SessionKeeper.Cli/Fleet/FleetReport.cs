using System.Buffers;
using System.Security.Cryptography;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Fleet.Runs;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Cli.Fleet;

/// <summary>The end of a fleet run: grouped output (--group), the summary table, or the JSON summary.</summary>
internal static class FleetReport
{
    /// <summary>
    /// Hosts with byte-identical output (stdout and stderr each) are printed once, under all their
    /// names, stdout then stderr; groups in the order of their first name. The outputs are read from
    /// the mirror files in pieces (hashed, then copied), never held whole in memory.
    /// </summary>
    public static void PrintGrouped(IReadOnlyList<FleetHostResult> results, bool raw)
    {
        var stdout = Console.OpenStandardOutput();
        var groups = results
            .Select(r => (Result: r, Paths: MirrorFiles(r.Job.MirrorPath)))
            .Select(x => (x.Result, x.Paths, Hash: string.Join('/', x.Paths.Select(Hash))))
            .GroupBy(x => x.Hash)
            .OrderBy(g => g.Select(x => x.Result.Host).Order(StringComparer.Ordinal).First(), StringComparer.Ordinal)
            .ToList();
        foreach (var group in groups)
        {
            var hosts = string.Join(",", group.Select(x => TerminalText.Visible(x.Result.Host)).Order(StringComparer.Ordinal));
            var header = System.Text.Encoding.UTF8.GetBytes($"----------------\n{hosts} ({group.Count()})\n----------------\n");
            stdout.Write(header);
            foreach (var path in group.First().Paths)
            {
                Copy(path, stdout, raw);
            }
        }

        stdout.Flush();
    }

    /// <summary>
    /// The table of hosts. On stdout when it is a terminal; otherwise on stderr, so that stdout
    /// carries the jobs' output only (a pipe or a file gets nothing else).
    /// </summary>
    public static void PrintTable(IReadOnlyList<FleetHostResult> results, TimeSpan elapsed)
    {
        var writer = Console.IsOutputRedirected ? Console.Error : Console.Out;
        var table = new TextTable("HOST", "STATE", "EXIT", "DURATION", "BYTES", "JOB").AlignRight(2).AlignRight(3).AlignRight(4);
        foreach (var r in results.OrderBy(r => r.Host, StringComparer.Ordinal))
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
        var counts = string.Join(", ", results.GroupBy(r => r.Outcome).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToWire()}"));
        writer.WriteLine($"{results.Count} hosts in {elapsed.TotalSeconds:0.0} s: {counts}.");
    }

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
