using System.Text.Json;

namespace SessionKeeper.Cli.Fleet;

/// <summary>JSON Lines on stdout: one event per line, written whole.</summary>
internal sealed class JsonEvents(Stream stdout, object gate)
{
    public void Write(string name, Action<Utf8JsonWriter> fields)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event", name);
            json.WriteString("time", DateTimeOffset.UtcNow);
            fields(json);
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        lock (gate)
        {
            stdout.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            stdout.Flush();
        }
    }

    /// <summary>
    /// A host's output as "output" events, one per line, "stream" saying which ("stdout" or
    /// "stderr"): "line" when it is UTF-8, otherwise "line_base64" with its exact bytes; a piece of
    /// a line longer than 64 KiB has "continued": true. "host" is the name as the user gave it,
    /// "target" (when known) where it resolved, as in the other events.
    /// </summary>
    public Stream OutputFor(string host, string job, string stream, string? target = null) => new LineStream((line, continued) =>
    {
        var text = Infrastructure.TerminalText.DecodeStrict(line);
        var bytes = text is null ? line.ToArray() : null;
        Write("output", json =>
        {
            json.WriteString("host", host);
            if (target is not null)
            {
                json.WriteString("target", target);
            }

            json.WriteString("job", job);
            json.WriteString("stream", stream);
            if (bytes is null)
            {
                json.WriteString("line", text);
            }
            else
            {
                json.WriteBase64String("line_base64", bytes);
            }

            if (continued)
            {
                json.WriteBoolean("continued", true);
            }
        });
    });
}
