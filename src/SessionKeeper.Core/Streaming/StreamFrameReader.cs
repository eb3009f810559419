using System.Text;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Core.Streaming;

/// <summary>What the remote stream helper sent: a chunk of output, a heartbeat, or the end.</summary>
internal abstract record StreamEvent
{
    /// <summary>Bytes of <see cref="Stream"/> starting at <see cref="Offset"/>; the memory is only valid until the next read.</summary>
    public sealed record Data(OutputKind Stream, long Offset, ReadOnlyMemory<byte> Bytes) : StreamEvent;

    /// <summary>The helper is alive; it has sent stdout (or the one log) up to <see cref="Sent"/>, stderr up to <see cref="SentErr"/>.</summary>
    public sealed record Heartbeat(long Sent, long SentErr) : StreamEvent;

    /// <summary>A reply line: stream (start), more (renew), done (job finished, log complete), error.</summary>
    public sealed record Reply(ReplyLine Line) : StreamEvent;
}

/// <summary>
/// Parses the stream helper's output: "@@SKD S offset len\n" + len bytes + "@@SKE\n" frames (S:
/// o stdout, e stderr, l the one log of layout 1), "@@SKH O E" heartbeats and "@@SK2 ..." replies;
/// other lines (login noise) are skipped.
/// A frame's bytes are handed out as they arrive, so a link that breaks mid-frame still makes
/// progress and memory stays at one read buffer. Reads block, so this runs on a dedicated thread.
/// </summary>
internal sealed class StreamFrameReader(Stream input, string host)
{
    private const int MaxLine = 8192;

    // 256 KiB: a frame of the fast helper (up to 1 MiB) arrives in a few reads, each written once
    // to the mirror and once to the output.
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;
    private OutputKind _frameStream;
    private long _frameOffset;
    private long _frameRemaining;
    private bool _expectTrailer;

    /// <summary>Reads the next event, or null at end of stream. Data is valid until the next call.</summary>
    public StreamEvent? Next()
    {
        if (_frameRemaining > 0)
        {
            if (_start == _end && !Fill())
            {
                return null;
            }

            var n = (int)Math.Min(_end - _start, _frameRemaining);
            var data = new StreamEvent.Data(_frameStream, _frameOffset, _buffer.AsMemory(_start, n));
            _start += n;
            _frameOffset += n;
            _frameRemaining -= n;
            return data;
        }

        if (_expectTrailer)
        {
            var trailer = ReadLine();
            if (trailer is null)
            {
                return null;
            }

            if (trailer != Protocol.FrameEnd)
            {
                throw new SessionKeeperException(FailureKind.StateCorrupt, $"the log on {host} changed while it was being read (frame trailer missing): it was truncated or replaced.");
            }

            _expectTrailer = false;
        }

        while (true)
        {
            var line = ReadLine();
            if (line is null)
            {
                return null;
            }

            if (line.StartsWith(Protocol.FrameStart + " ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                if (parts.Length != 4 || Token(parts[1]) is not { } stream || !long.TryParse(parts[2], out var offset) || !long.TryParse(parts[3], out var length)
                    || length <= 0 || offset < 0)
                {
                    throw Malformed("bad frame header");
                }

                _frameStream = stream;
                _frameOffset = offset;
                _frameRemaining = length;
                _expectTrailer = true;
                return Next();
            }

            if (line.StartsWith(Protocol.Heartbeat + " ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                return parts.Length == 3 && long.TryParse(parts[1], out var sent) && long.TryParse(parts[2], out var sentErr)
                    ? new StreamEvent.Heartbeat(sent, sentErr)
                    : throw Malformed("bad heartbeat");
            }

            if (line.StartsWith(Protocol.ReplyPrefix, StringComparison.Ordinal))
            {
                return new StreamEvent.Reply(ReplyParser.ParseLine(line.AsSpan(Protocol.ReplyPrefix.Length), host));
            }
        }
    }

    private static OutputKind? Token(string token) => token switch
    {
        StreamTokens.Stdout => OutputKind.Stdout,
        StreamTokens.Stderr => OutputKind.Stderr,
        StreamTokens.Log => OutputKind.Combined,
        _ => null,
    };

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
