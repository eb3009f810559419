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
    public Stream OutputFor(string host, string job) => new OutputLines(this, host, job);

    private sealed class OutputLines(JsonEvents events, string host, string job) : Stream
    {
        private readonly MemoryStream _partial = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (buffer.Length > 0)
            {
                var newline = buffer.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    _partial.Write(buffer);
                    return;
                }

                _partial.Write(buffer[..newline]);
                Emit();
                buffer = buffer[(newline + 1)..];
            }
        }

        public override void Flush()
        {
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _partial.Length > 0)
            {
                Emit();
            }

            base.Dispose(disposing);
        }

        private void Emit()
        {
            var line = Encoding.UTF8.GetString(_partial.GetBuffer(), 0, (int)_partial.Length);
            _partial.SetLength(0);
            events.Write("output", json =>
            {
                json.WriteString("host", host);
                json.WriteString("job", job);
                json.WriteString("line", line);
            });
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
