namespace SessionKeeper.Cli.Fleet;

/// <summary>
/// A write-only stream that hands its bytes on one whole line at a time (without the newline);
/// a last partial line is handed on when the stream is disposed.
/// </summary>
internal sealed class LineStream(Action<ReadOnlySpan<byte>> line) : Stream
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
        line(_partial.GetBuffer().AsSpan(0, (int)_partial.Length));
        _partial.SetLength(0);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
