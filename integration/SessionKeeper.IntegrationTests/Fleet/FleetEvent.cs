using System.Text.Json;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>One JSON Lines event of `run --json` (or `batch resume|retry --json`).</summary>
public sealed record FleetEvent(string Event, string? Host, string? Job, string? Line, string? Outcome, int? ExitCode, int? Signal, string? Error, JsonElement Raw)
{
    public static FleetEvent Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        var e = document.RootElement.Clone();
        return new FleetEvent(
            e.GetProperty("event").GetString()!,
            Text(e, "host"),
            Text(e, "job"),
            Text(e, "line"),
            Text(e, "outcome"),
            Number(e, "exit_code"),
            Number(e, "signal"),
            Text(e, "error"),
            e);
    }

    /// <summary>Every event of a finished run's stdout (each line must be one JSON object).</summary>
    public static IReadOnlyList<FleetEvent> ParseAll(CliResult result) =>
        [.. result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse)];

    /// <summary>The last event for a host that says how it ended.</summary>
    public static FleetEvent? Final(IEnumerable<FleetEvent> events, string host) =>
        events.LastOrDefault(e => e.Host == host && e.Outcome is not null);

    /// <summary>The summary's per-outcome counts.</summary>
    public Dictionary<string, int> Outcomes() =>
        Raw.GetProperty("outcomes").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;
}

/// <summary>Reads the events of a running CLI as they arrive, complete lines only.</summary>
public sealed class FleetEventReader(CliProcess cli)
{
    private int _consumed;

    public List<FleetEvent> All { get; } = [];

    /// <summary>Events printed since the last call.</summary>
    public IReadOnlyList<FleetEvent> Next()
    {
        var bytes = cli.StdoutSnapshot();
        var end = Array.LastIndexOf(bytes, (byte)'\n');
        if (end < _consumed)
        {
            return [];
        }

        var text = System.Text.Encoding.UTF8.GetString(bytes, _consumed, end + 1 - _consumed);
        _consumed = end + 1;
        var events = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(FleetEvent.Parse).ToList();
        All.AddRange(events);
        return events;
    }
}
