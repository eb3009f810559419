using System.Text;
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

    /// <summary>A host's output as "output" events, one per line (text, invalid UTF-8 replaced).</summary>
    public Stream OutputFor(string host, string job) => new LineStream(line =>
    {
        var text = Encoding.UTF8.GetString(line);
        Write("output", json =>
        {
            json.WriteString("host", host);
            json.WriteString("job", job);
            json.WriteString("line", text);
        });
    });
}
