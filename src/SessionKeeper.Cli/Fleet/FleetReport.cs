using SessionKeeper.Core.Fleet.Runs;
using Spectre.Console;

namespace SessionKeeper.Cli.Fleet;

/// <summary>The end of a fleet run: grouped output (--group), the summary table, or the JSON summary.</summary>
internal static class FleetReport
{
    /// <summary>Hosts with byte-identical output are printed once, under all their names; groups in the order of their first name.</summary>
    public static void PrintGrouped(IReadOnlyList<FleetHostResult> results)
    {
        var stdout = Console.OpenStandardOutput();
        var groups = results
            .Select(r => (Result: r, Output: r.Job.MirrorPath is { } p && File.Exists(p) ? File.ReadAllBytes(p) : []))
            .GroupBy(x => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(x.Output)))
            .OrderBy(g => g.Select(x => x.Result.Host).Order(StringComparer.Ordinal).First(), StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var hosts = string.Join(",", group.Select(x => x.Result.Host).Order(StringComparer.Ordinal));
            var header = System.Text.Encoding.UTF8.GetBytes($"----------------\n{hosts} ({group.Count()})\n----------------\n");
            stdout.Write(header);
            var output = group.First().Output;
            stdout.Write(output);
            if (output.Length > 0 && output[^1] != (byte)'\n')
            {
                stdout.WriteByte((byte)'\n');
            }
        }

        stdout.Flush();
    }

    public static void PrintTable(IReadOnlyList<FleetHostResult> results, TimeSpan elapsed)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 240;
        }

        var table = new Table().AddColumns("HOST", "STATE", "EXIT", "DURATION", "BYTES", "JOB");
        foreach (var r in results.OrderBy(r => r.Host, StringComparer.Ordinal))
        {
            table.AddRow(
                Markup.Escape(r.Host),
                Markup.Escape(r.Outcome.ToWire()),
                r.Status?.ShellExitCode?.ToString() ?? "-",
                r.Duration.TotalSeconds.ToString("0.0s"),
                r.Bytes.ToString(),
                Markup.Escape(r.Job.Id));
        }

        console.Write(table);
        var counts = string.Join(", ", results.GroupBy(r => r.Outcome).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToWire()}"));
        console.WriteLine($"{results.Count} hosts in {elapsed.TotalSeconds:0.0} s: {counts}.");
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
}
