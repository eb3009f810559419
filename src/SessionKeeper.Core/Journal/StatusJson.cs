using System.Text;
using System.Text.Json;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Journal;

/// <summary>
/// A <see cref="JobStatus"/> whole, as the journal's answer_json keeps it: every field the target
/// reported, so that the answer read back prints exactly as it did when it came (the state columns
/// beside it are the journal's own model, filled with coalesce, and may hold an older pid).
/// </summary>
internal static class StatusJson
{
    public static string Write(JobStatus status)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("state", status.State.ToWire());
            Number(json, "exit_code", status.ExitCode);
            Number(json, "signal", status.Signal);
            Text(json, "lost_reason", status.LostReason);
            Text(json, "ended_reason", status.EndedReason);
            json.WriteBoolean("log_incomplete", status.LogIncomplete);
            Number(json, "pid", status.Pid);
            Number(json, "pgid", status.ProcessGroup);
            Number(json, "start_time", status.StartTime);
            Text(json, "boot_id", status.BootId);
            Number(json, "created_ms", status.Created?.ToUnixTimeMilliseconds());
            Number(json, "ended_ms", status.Ended?.ToUnixTimeMilliseconds());
            json.WriteNumber("stdout_size", status.StdoutSize);
            json.WriteNumber("stderr_size", status.StderrSize);
            json.WriteNumber("layout", status.Layout);
            Names(json, "warnings", status.Warnings);
            Names(json, "ignored_at_start", status.IgnoredAtStart);
            Names(json, "blocked_at_start", status.BlockedAtStart);
            Text(json, "signal_reset", status.SignalReset);
            Text(json, "adopted", status.Adopted);
            json.WriteString("command_preview", status.CommandPreview);
            if (status.RawCommandPreview is { } raw)
            {
                json.WriteBase64String("command_preview_raw", raw);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The answer of job <paramref name="id"/> kept as <paramref name="text"/>.</summary>
    /// <exception cref="FormatException">When the text is not such an answer.</exception>
    public static JobStatus Read(string text, JobId id)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var o = document.RootElement;
            return new JobStatus
            {
                Id = id,
                State = JournalRows.State(o.GetProperty("state").GetString()!),
                ExitCode = Int(o, "exit_code"),
                Signal = Int(o, "signal"),
                LostReason = Text(o, "lost_reason"),
                EndedReason = Text(o, "ended_reason"),
                LogIncomplete = o.GetProperty("log_incomplete").GetBoolean(),
                Pid = Int(o, "pid"),
                ProcessGroup = Int(o, "pgid"),
                StartTime = o.TryGetProperty("start_time", out var start) ? start.GetInt64() : null,
                BootId = Text(o, "boot_id"),
                Created = o.TryGetProperty("created_ms", out var created) ? DateTimeOffset.FromUnixTimeMilliseconds(created.GetInt64()) : null,
                Ended = o.TryGetProperty("ended_ms", out var ended) ? DateTimeOffset.FromUnixTimeMilliseconds(ended.GetInt64()) : null,
                StdoutSize = o.GetProperty("stdout_size").GetInt64(),
                StderrSize = o.GetProperty("stderr_size").GetInt64(),
                Layout = o.GetProperty("layout").GetInt32(),
                Warnings = Names(o, "warnings") ?? [],
                IgnoredAtStart = Names(o, "ignored_at_start"),
                BlockedAtStart = Names(o, "blocked_at_start"),
                SignalReset = Text(o, "signal_reset"),
                Adopted = Text(o, "adopted"),
                CommandPreview = o.GetProperty("command_preview").GetString()!,
                RawCommandPreview = o.TryGetProperty("command_preview_raw", out var raw) ? raw.GetBytesFromBase64() : null,
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"its answer_json is not a status ({ex.Message.TrimEnd('.')})", ex);
        }
    }

    private static void Number(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
    }

    private static void Text(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void Names(Utf8JsonWriter json, string name, IReadOnlyList<string>? names)
    {
        if (names is null)
        {
            return;
        }

        json.WriteStartArray(name);
        foreach (var n in names)
        {
            json.WriteStringValue(n);
        }

        json.WriteEndArray();
    }

    private static int? Int(JsonElement o, string name) => o.TryGetProperty(name, out var v) ? v.GetInt32() : null;

    private static string? Text(JsonElement o, string name) => o.TryGetProperty(name, out var v) ? v.GetString() : null;

    private static string[]? Names(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) ? [.. v.EnumerateArray().Select(e => e.GetString()!)] : null;
}
