using System.Buffers;
using SessionKeeper.Cli.Infrastructure;

namespace SessionKeeper.Cli.Fleet;

/// <summary>
/// Several hosts' output, line by line, each line prefixed with its host, their stdout on our
/// stdout and their stderr on our stderr; a line is written whole under a shared lock, so lines
/// of different hosts never interleave. Unless
/// raw, a line's controls other than tab (and bytes that are not UTF-8) are made visible, so no
/// host can move the cursor or rewrite another host's line. A line longer than
/// <see cref="LineStream.MaxLine"/> comes in pieces: "HOST: " before the first, "HOST+ " before
/// each that continues it.
/// </summary>
internal sealed class TaggedOutput(object gate, bool raw)
{
    /// <summary>The progress line on the same terminal, erased before each line and drawn again after it; null when there is none.</summary>
    public ProgressLine? Overlay { get; set; }

    /// <summary>A stream that writes <paramref name="host"/>'s lines, tagged, to <paramref name="to"/>.</summary>
    public Stream For(string host, Stream to)
    {
        var visibleHost = TerminalText.Visible(host);
        var prefix = System.Text.Encoding.UTF8.GetBytes(visibleHost + ": ");
        var continuation = System.Text.Encoding.UTF8.GetBytes(visibleHost + "+ ");
        var escaped = raw ? null : new ArrayBufferWriter<byte>();
        var continuing = false;
        return new LineStream((line, continued) =>
        {
            if (escaped is not null)
            {
                escaped.ResetWrittenCount();
                TerminalText.VisibleLine(line, escaped);
                line = escaped.WrittenSpan;
            }

            lock (gate)
            {
                if (Overlay is { } overlay)
                {
                    var whole = line.ToArray();
                    overlay.Above(() => Write(to, continuing ? continuation : prefix, whole));
                }
                else
                {
                    Write(to, continuing ? continuation : prefix, line);
                }
            }

            continuing = continued;
        });
    }

    private static void Write(Stream to, byte[] tag, ReadOnlySpan<byte> line)
    {
        to.Write(tag);
        to.Write(line);
        to.WriteByte((byte)'\n');
        to.Flush();
    }
}
