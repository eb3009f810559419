using System.Text.Json;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>One object of `status --json` / `ps --json`, read back from the CLI's stdout.</summary>
public sealed record JobStatusJson(
    string Id,
    string State,
    int? ExitCode,
    int? Signal,
    string? LostReason,
    int? Pid,
    int? ProcessGroup,
    string Command)
{
    public static JobStatusJson Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return From(document.RootElement);
    }

    public static IReadOnlyList<JobStatusJson> ParseArray(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Array, document.RootElement.ValueKind);
        return [.. document.RootElement.EnumerateArray().Select(From)];
    }

    private static JobStatusJson From(JsonElement e) => new(
        e.GetProperty("id").GetString()!,
        e.GetProperty("state").GetString()!,
        Int(e, "exit_code"),
        Int(e, "signal"),
        e.TryGetProperty("lost_reason", out var reason) ? reason.GetString() : null,
        Int(e, "pid"),
        Int(e, "pgid"),
        e.GetProperty("command").GetString()!);

    private static int? Int(JsonElement e, string name) =>
        e.GetProperty(name) is { ValueKind: JsonValueKind.Number } value ? value.GetInt32() : null;
}
