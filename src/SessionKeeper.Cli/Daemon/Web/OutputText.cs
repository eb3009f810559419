using System.Buffers;
using System.Text;
using SessionKeeper.Cli.Infrastructure;

namespace SessionKeeper.Cli.Daemon.Web;

/// <summary>
/// A job's output bytes made safe to show in a page: newlines and tabs kept, other controls (an
/// escape sequence's ESC, a carriage return, a bell) and bytes that are not UTF-8 shown as the
/// escapes the terminal tags use (<c>\e</c>, <c>\r</c>, <c>\xff</c>). The result is valid UTF-8
/// text; the page inserts it as text, so markup in it (<c>&lt;script&gt;</c>) is shown, not run.
/// </summary>
internal static class OutputText
{
    /// <summary>The visible text of whole lines, or of a stretch cut where <see cref="CompleteLength"/> says.</summary>
    public static string Visible(ReadOnlySpan<byte> bytes)
    {
        var output = new ArrayBufferWriter<byte>(bytes.Length + 16);
        while (true)
        {
            var newline = bytes.IndexOf((byte)'\n');
            TerminalText.VisibleLine(newline < 0 ? bytes : bytes[..newline], output);
            if (newline < 0)
            {
                return Encoding.UTF8.GetString(output.WrittenSpan);
            }

            output.Write("\n"u8);
            bytes = bytes[(newline + 1)..];
        }
    }

    /// <summary>
    /// How much of <paramref name="bytes"/> can be shown now: all of it, less a UTF-8 sequence cut
    /// at the end (its rest is still to come; shown whole next time rather than as \xNN now).
    /// </summary>
    public static int CompleteLength(ReadOnlySpan<byte> bytes)
    {
        for (var back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            var b = bytes[^back];
            if (b < 0x80)
            {
                return bytes.Length; // ASCII: nothing is cut
            }

            if (b is 0xC0 or 0xC1 or >= 0xF5)
            {
                return bytes.Length; // never UTF-8: nothing to wait for
            }

            if (b >= 0xC2)
            {
                // A lead byte: the sequence it starts needs this many bytes.
                var needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
                return needed > back ? bytes.Length - back : bytes.Length;
            }
        }

        return bytes.Length;
    }

    /// <summary>
    /// Where a tail that starts at <paramref name="start"/> &gt; 0 should begin to show whole
    /// lines: just after the first newline of <paramref name="window"/> (the window's bytes from
    /// start), or at start when the window holds none.
    /// </summary>
    public static int LineStart(ReadOnlySpan<byte> window) => window.IndexOf((byte)'\n') is var i and >= 0 ? i + 1 : 0;
}
