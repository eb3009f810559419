using System.Buffers;
using System.Globalization;
using System.Text;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// Makes text from elsewhere (a command text, a host name, a target's reply, a job's output in
/// --tag mode) safe to print on a terminal: control characters (C0, DEL, C1) and bytes that are not
/// UTF-8 are written as visible escapes (<c>\e</c>, <c>\r</c>, <c>\n</c>, <c>\t</c>, <c>\xNN</c>,
/// <c>\u0085</c>), so nobody but us moves the cursor, retitles the window or rewrites a line.
/// Everything else, backslashes included, is left as it is.
/// </summary>
internal static class TerminalText
{
    /// <summary>A one-line field (a table cell, a name in a message): every control is escaped.</summary>
    public static string Visible(string text) => Escape(text, keep: "");

    /// <summary>Multi-line text (a message): controls other than newline and tab are escaped.</summary>
    public static string VisibleLines(string text) => Escape(text, keep: "\n\t");

    /// <summary>True when <paramref name="c"/> is a terminal control: C0, DEL or C1.</summary>
    public static bool IsControl(int c) => c < 0x20 || (c >= 0x7F && c <= 0x9F);

    /// <summary>
    /// One line of bytes (no newline) made visible: valid UTF-8 is copied as it is, controls
    /// other than tab and bytes that are not UTF-8 are escaped. At most 4 bytes out per byte in.
    /// </summary>
    public static void VisibleLine(ReadOnlySpan<byte> line, IBufferWriter<byte> output)
    {
        while (line.Length > 0)
        {
            var status = Rune.DecodeFromUtf8(line, out var rune, out var consumed);
            if (status != OperationStatus.Done)
            {
                // Invalid or truncated: escape the offending bytes one by one.
                for (var i = 0; i < consumed; i++)
                {
                    Hex(line[i], output);
                }
            }
            else if (rune.Value != '\t' && IsControl(rune.Value))
            {
                EscapeControl(rune.Value, output);
            }
            else
            {
                // Copy the run of plain bytes at once.
                var plain = consumed;
                while (plain < line.Length && Rune.DecodeFromUtf8(line[plain..], out var next, out var n) == OperationStatus.Done && (next.Value == '\t' || !IsControl(next.Value)))
                {
                    plain += n;
                }

                output.Write(line[..plain]);
                consumed = plain;
            }

            line = line[consumed..];
        }
    }

    /// <summary>Bytes that are UTF-8 are decoded; otherwise null (the caller keeps them as bytes).</summary>
    public static string? DecodeStrict(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string Escape(string text, string keep)
    {
        var i = 0;
        while (i < text.Length && !NeedsEscape(text, i, keep))
        {
            i++;
        }

        if (i == text.Length)
        {
            return text;
        }

        var result = new StringBuilder(text.Length + 16);
        result.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (!NeedsEscape(text, i, keep))
            {
                result.Append(c);
                continue;
            }

            result.Append(c switch
            {
                '\x1b' => "\\e",
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                < '\x80' => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }

        return result.ToString();
    }

    private static bool NeedsEscape(string text, int i, string keep)
    {
        var c = text[i];
        if (char.IsHighSurrogate(c))
        {
            return i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]);
        }

        if (char.IsLowSurrogate(c))
        {
            return i == 0 || !char.IsHighSurrogate(text[i - 1]);
        }

        return IsControl(c) && !keep.Contains(c, StringComparison.Ordinal);
    }

    private static void EscapeControl(int c, IBufferWriter<byte> output)
    {
        switch (c)
        {
            case 0x1b:
                output.Write("\\e"u8);
                break;
            case '\r':
                output.Write("\\r"u8);
                break;
            case '\n':
                output.Write("\\n"u8);
                break;
            case < 0x80:
                Hex((byte)c, output);
                break;
            default:
                output.Write(Encoding.ASCII.GetBytes("\\u" + c.ToString("x4", CultureInfo.InvariantCulture)));
                break;
        }
    }

    private static void Hex(byte b, IBufferWriter<byte> output)
    {
        const string Digits = "0123456789abcdef";
        var span = output.GetSpan(4);
        span[0] = (byte)'\\';
        span[1] = (byte)'x';
        span[2] = (byte)Digits[b >> 4];
        span[3] = (byte)Digits[b & 0xF];
        output.Advance(4);
    }
}
