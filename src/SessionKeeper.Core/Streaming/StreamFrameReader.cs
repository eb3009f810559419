using System.Buffers;
using System.Text;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Core.Streaming;

/// <summary>What the remote stream helper sent: a chunk of the log, a heartbeat, or the end.</summary>
public abstract record StreamEvent
{
    /// <summary>Log bytes starting at <see cref="Offset"/>; the buffer is only valid during the callback.</summary>
    public sealed record Data(long Offset, ReadOnlyMemory<byte> Bytes) : StreamEvent;

    public sealed record Heartbeat(long Offset) : StreamEvent;

    /// <summary>A reply line: stream (start), more (renew), done (job finished, log complete), error.</summary>
    public sealed record Reply(ReplyLine Line) : StreamEvent;
}

/// <summary>
/// Parses the stream helper's output: "@@SKD offset len\n" + len bytes + "@@SKE\n" frames,
/// "@@SKH offset" heartbeats and "@@SK1 ..." replies; other lines (login noise) are skipped.
/// Reads block, so this runs on a dedicated thread, never on the pool.
/// </summary>
public sealed class StreamFrameReader(Stream input, string host)
{
    public const int MaxFrame = 1 << 20;
    private const int MaxLine = 8192;

    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>Reads the next event, or null at end of stream.</summary>
    public StreamEvent? Next(ref byte[]? frame)
    {
        while (true)
        {
            var line = ReadLine();
            if (line is null)
            {
                return null;
            }

            if (line.StartsWith("@@SKD ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                if (parts.Length != 3 || !long.TryParse(parts[1], out var offset) || !int.TryParse(parts[2], out var length)
                    || length <= 0 || length > MaxFrame || offset < 0)
                {
                    throw Malformed("bad frame header");
                }

                frame ??= ArrayPool<byte>.Shared.Rent(MaxFrame);
                if (!ReadExact(frame.AsSpan(0, length)))
                {
                    return null;
                }

                var trailer = ReadLine();
                if (trailer is null)
                {
                    return null;
                }

                if (trailer != "@@SKE")
                {
                    throw Malformed("frame trailer missing (log truncated while being read?)");
                }

                return new StreamEvent.Data(offset, frame.AsMemory(0, length));
            }

            if (line.StartsWith("@@SKH ", StringComparison.Ordinal))
            {
                return long.TryParse(line.AsSpan(6), out var offset) ? new StreamEvent.Heartbeat(offset) : throw Malformed("bad heartbeat");
            }

            if (line.StartsWith(RunnerRequest.ProtocolPrefix, StringComparison.Ordinal))
            {
                return new StreamEvent.Reply(ReplyParser.ParseLine(line.AsSpan(RunnerRequest.ProtocolPrefix.Length), host));
            }
        }
    }

    private SessionKeeperException Malformed(string what) => new(FailureKind.ConnectionLost, $"garbled stream from {host}: {what}.");

    private string? ReadLine()
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, newline - _start);
                _start = newline + 1;
                return line;
            }

            if (_end - _start >= MaxLine)
            {
                // A noise line longer than any reply: drop it and keep looking.
                _start = _end;
            }

            if (!Fill())
            {
                return null;
            }
        }
    }

    private bool ReadExact(Span<byte> target)
    {
        var copied = 0;
        while (copied < target.Length)
        {
            if (_start == _end && !Fill())
            {
                return false;
            }

            var n = Math.Min(_end - _start, target.Length - copied);
            _buffer.AsSpan(_start, n).CopyTo(target[copied..]);
            _start += n;
            copied += n;
        }

        return true;
    }

    private bool Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var read = input.Read(_buffer, _end, _buffer.Length - _end);
        if (read <= 0)
        {
            return false;
        }

        _end += read;
        return true;
    }
}
