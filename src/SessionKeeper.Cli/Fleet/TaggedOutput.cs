namespace SessionKeeper.Cli.Fleet;

/// <summary>
/// Several hosts' output on one stdout, line by line, each line prefixed with its host; a line
/// is written whole under a shared lock, so lines of different hosts never interleave.
/// </summary>
internal sealed class TaggedOutput(Stream stdout, object gate)
{
    public Stream For(string host) => new HostLines(stdout, gate, System.Text.Encoding.UTF8.GetBytes(host + ": "));

    private sealed class HostLines(Stream stdout, object gate, byte[] prefix) : Stream
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

                _partial.Write(buffer[..(newline + 1)]);
                EmitLine();
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
                _partial.WriteByte((byte)'\n');
                EmitLine();
            }

            base.Dispose(disposing);
        }

        private void EmitLine()
        {
            lock (gate)
            {
                stdout.Write(prefix);
                stdout.Write(_partial.GetBuffer().AsSpan(0, (int)_partial.Length));
                stdout.Flush();
            }

            _partial.SetLength(0);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
