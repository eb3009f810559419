using System.Text.Json;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>Renders job statuses as text or JSON on stdout.</summary>
internal static class JobOutput
{
    /// <param name="name">The name the host was given when the job was launched (a fleet's alias or range member), if the journal knows it.</param>
    public static void WriteJson(Utf8JsonWriter json, JobStatus status, string host, string? name = null)
    {
        json.WriteStartObject();
        json.WriteString("host", host);
        if (name is not null)
        {
            json.WriteString("name", name);
        }

        json.WriteString("id", status.Id.Value);
        json.WriteString("state", status.State.ToWire());
        WriteNumber(json, "exit_code", status.ExitCode);
        WriteNumber(json, "signal", status.Signal);
        if (status.LostReason is { } reason)
        {
            json.WriteString("lost_reason", reason);
        }

        if (status.State == JobState.Ended)
        {
            json.WriteString("exit_status", "unknown (adopted)");
            json.WriteString("ended_reason", status.EndedReason);
        }

        if (status.Adopted is { } adopted)
        {
            json.WriteString("adopted", adopted);
        }

        WriteNumber(json, "pid", status.Pid);
        WriteNumber(json, "pgid", status.ProcessGroup);
        if (status.Created is { } created)
        {
            json.WriteString("created", created);
        }

        if (status.Ended is { } ended)
        {
            json.WriteString("ended", ended);
        }

        json.WriteNumber("log_size", status.LogSize);
        WriteNames(json, "signals_ignored_at_start", status.IgnoredAtStart);
        WriteNames(json, "signals_blocked_at_start", status.BlockedAtStart);
        if (status.SignalReset is { } reset)
        {
            json.WriteString("signal_reset", reset);
        }

        if (status.LogIncomplete)
        {
            json.WriteBoolean("log_incomplete", true);
        }

        WriteCommand(json, status.CommandPreview, status.RawCommandPreview);
        json.WriteEndObject();
    }

    /// <summary>"command" as text; when its bytes are not UTF-8, also "command_base64" with the bytes themselves.</summary>
    public static void WriteCommand(Utf8JsonWriter json, string text, byte[]? raw)
    {
        json.WriteString("command", text);
        if (raw is not null)
        {
            json.WriteBase64String("command_base64", raw);
        }
    }

    public static string Age(JobStatus status, DateTimeOffset now)
    {
        if (status.Created is not { } created)
        {
            return "-";
        }

        var age = now - created;
        return age.TotalSeconds < 120 ? $"{(int)age.TotalSeconds}s"
            : age.TotalMinutes < 120 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }

    /// <summary>A command on one line of at most 60 characters, its controls made visible.</summary>
    public static string OneLine(string command)
    {
        var line = TerminalText.Visible(command.Replace('\n', ' '));
        return line.Length > 60 ? line[..57] + "..." : line;
    }

    /// <summary>The same for a command whose bytes are not UTF-8 (<paramref name="raw"/>): they show as \xNN.</summary>
    public static string OneLine(string command, byte[]? raw)
    {
        if (raw is null)
        {
            return OneLine(command);
        }

        var visible = new System.Buffers.ArrayBufferWriter<byte>();
        TerminalText.VisibleLine([.. raw.Select(b => b == (byte)'\n' ? (byte)' ' : b)], visible);
        var line = System.Text.Encoding.UTF8.GetString(visible.WrittenSpan);
        return line.Length > 60 ? line[..57] + "..." : line;
    }

    private static void WriteNames(Utf8JsonWriter json, string name, IReadOnlyList<string>? names)
    {
        if (names is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartArray(name);
        foreach (var n in names)
        {
            json.WriteStringValue(n);
        }

        json.WriteEndArray();
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
