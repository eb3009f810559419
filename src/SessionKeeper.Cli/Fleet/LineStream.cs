namespace SessionKeeper.Cli.Fleet;

/// <summary>
/// A write-only stream that hands its bytes on one whole line at a time (without the newline);
/// a last partial line is handed on when the stream is disposed. A line longer than
/// <see cref="MaxLine"/> bytes is handed on in pieces of at most that size (cut before a UTF-8
/// sequence that would not fit), each but the last marked as continued, so memory stays bounded
/// whatever the output.
/// </summary>
internal sealed class LineStream(LineStream.LineHandler line, int maxLine = LineStream.MaxLine) : Stream
{
    /// <summary>The longest piece of a line held in memory: 64 KiB.</summary>
    public const int MaxLine = 64 * 1024;

    private readonly byte[] _partial = new byte[maxLine];
    private int _length;

    /// <summary>A line, or a piece of one; <paramref name="continued"/>: the line goes on in the next call.</summary>
    public delegate void LineHandler(ReadOnlySpan<byte> line, bool continued);

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
            var take = newline < 0 ? buffer.Length : newline;
            var room = _partial.Length - _length;
            if (take > room)
            {
                buffer[..room].CopyTo(_partial.AsSpan(_length));
                _length += room;
                buffer = buffer[room..];
                EmitPiece();
                continue;
            }

            buffer[..take].CopyTo(_partial.AsSpan(_length));
            _length += take;
            if (newline < 0)
            {
                return;
            }

            Emit(_length, continued: false);
            buffer = buffer[(newline + 1)..];
        }
    }

    public override void Flush()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _length > 0)
        {
            Emit(_length, continued: false);
        }

        base.Dispose(disposing);
    }

    /// <summary>The buffer is full and its line goes on: hand on what fits, keep a cut UTF-8 sequence.</summary>
    private void EmitPiece()
    {
        var cut = Utf8Boundary(_partial.AsSpan(0, _length));
        Emit(cut > 0 ? cut : _length, continued: true);
    }

    private void Emit(int count, bool continued)
    {
        line(_partial.AsSpan(0, count), continued);
        var rest = _length - count;
        _partial.AsSpan(count, rest).CopyTo(_partial);
        _length = rest;
    }

    /// <summary>Where to cut <paramref name="bytes"/> so that an incomplete UTF-8 sequence at its end stays whole for the next piece.</summary>
    internal static int Utf8Boundary(ReadOnlySpan<byte> bytes)
    {
        for (var back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // a continuation byte: look further back for the lead byte
            }

            var needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needed > back && b >= 0xC0 && b <= 0xF4 ? bytes.Length - back : bytes.Length;
        }

        return bytes.Length;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
