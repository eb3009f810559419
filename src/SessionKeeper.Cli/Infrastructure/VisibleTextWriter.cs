using System.Text;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// The text side of stdout and stderr (Console.Out, Console.Error): every message, table and
/// name we print goes through it, and its controls other than newline and tab come out as
/// visible escapes (<see cref="TerminalText"/>). Job output is written as bytes to the standard
/// streams, not through here, so it stays byte-exact.
/// </summary>
internal sealed class VisibleTextWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public override string NewLine
    {
        get => inner.NewLine;
        set => inner.NewLine = value;
    }

    /// <summary>Puts the escaping writer in front of Console.Out and Console.Error.</summary>
    public static void Install()
    {
        Console.SetOut(new VisibleTextWriter(Console.Out));
        Console.SetError(new VisibleTextWriter(Console.Error));
    }

    public override void Write(char value)
    {
        if (TerminalText.IsControl(value) && value is not '\n' and not '\t')
        {
            inner.Write(TerminalText.Visible(value.ToString()));
        }
        else
        {
            inner.Write(value);
        }
    }

    public override void Write(string? value)
    {
        if (value is not null)
        {
            inner.Write(TerminalText.VisibleLines(value));
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Write(new string(buffer));

    public override void WriteLine(string? value)
    {
        Write(value);
        inner.WriteLine();
    }

    public override void WriteLine() => inner.WriteLine();

    public override void Flush() => inner.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Flush();
        }

        base.Dispose(disposing);
    }
}
