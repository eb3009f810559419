using System.Buffers;
using SessionKeeper.Cli.Infrastructure;

namespace SessionKeeper.Cli.Fleet;

/// <summary>
/// Several hosts' output on one stdout, line by line, each line prefixed with its host; a line
/// is written whole under a shared lock, so lines of different hosts never interleave. Unless
/// raw, a line's controls other than tab (and bytes that are not UTF-8) are made visible, so no
/// host can move the cursor or rewrite another host's line. A line longer than
/// <see cref="LineStream.MaxLine"/> comes in pieces: "HOST: " before the first, "HOST+ " before
/// each that continues it.
/// </summary>
internal sealed class TaggedOutput(Stream stdout, object gate, bool raw)
{
    public Stream For(string host)
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
                stdout.Write(continuing ? continuation : prefix);
                stdout.Write(line);
                stdout.WriteByte((byte)'\n');
                stdout.Flush();
            }

            continuing = continued;
        });
    }
}
