using System.Text;

namespace SessionKeeper.Cli.Daemon.Broker;

/// <summary>Lines of a blocking stream, without their newline; null at its end.</summary>
internal sealed class LineReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[64 << 10];
    private int _start;
    private int _end;

    public string? Next()
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, newline);
                _start += newline + 1;
                return line;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                throw new IOException("a line of the resident launcher is longer than 64 KiB.");
            }

            var n = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n <= 0)
            {
                return null;
            }

            _end += n;
        }
    }
}
