using System.Buffers;
using System.Text;
using SessionKeeper.Cli.Infrastructure;

namespace SessionKeeper.Tests.Cli.Infrastructure;

/// <summary>What reaches the operator's terminal from elsewhere carries no control that a terminal would act on.</summary>
public class TerminalTextTests
{
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a\u001b]0;pwned\u0007b", "a\\e]0;pwned\\x07b")]
    [InlineData("\x1b[2J\x1b[H", "\\e[2J\\e[H")]
    [InlineData("over\rwrite", "over\\rwrite")]
    [InlineData("two\nlines\ttab", "two\\nlines\\ttab")]
    [InlineData("del\x7f", "del\\x7f")]
    [InlineData("c1 \u009b31m csi", "c1 \\u009b31m csi")]
    [InlineData("nel\u0085", "nel\\u0085")]
    [InlineData("back\\slash \\e stays", "back\\slash \\e stays")]
    [InlineData("héllo wörld 日本 🙂", "héllo wörld 日本 🙂")]
    [InlineData("\uFFFD", "\uFFFD")]
    public void Visible_escapes_every_control_and_keeps_the_rest(string text, string expected) =>
        Assert.Equal(expected, TerminalText.Visible(text));

    [Fact]
    public void Visible_escapes_a_lone_surrogate()
    {
        Assert.Equal("x\\ud800y", TerminalText.Visible("x\ud800y"));
        Assert.Equal("x\\udc00", TerminalText.Visible("x\udc00"));
    }

    [Fact]
    public void Visible_lines_keep_newline_and_tab_only() =>
        Assert.Equal("a\n\tb\\e[1m\\r", TerminalText.VisibleLines("a\n\tb\x1b[1m\r"));

    [Theory]
    [InlineData(new byte[] { 0x61, 0x1b, 0x5b, 0x32, 0x4a }, "a\\e[2J")]
    [InlineData(new byte[] { 0x61, 0x09, 0x62 }, "a\tb")]
    [InlineData(new byte[] { 0x0d, 0x07, 0x00 }, "\\r\\x07\\x00")]
    [InlineData(new byte[] { 0xff, 0x41, 0xc3 }, "\\xffA\\xc3")]
    [InlineData(new byte[] { 0xc2, 0x9b, 0x33 }, "\\u009b3")]
    [InlineData(new byte[] { 0xc3, 0xa9, 0xf0, 0x9f, 0x99, 0x82 }, "é🙂")]
    [InlineData(new byte[] { 0xed, 0xa0, 0x80 }, "\\xed\\xa0\\x80")]
    [InlineData(new byte[] { 0xc0, 0xaf }, "\\xc0\\xaf")]
    public void A_line_of_bytes_keeps_utf8_and_tab_and_escapes_the_rest(byte[] line, string expected)
    {
        var output = new ArrayBufferWriter<byte>();
        TerminalText.VisibleLine(line, output);
        Assert.Equal(expected, Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.True(Encoding.UTF8.GetString(output.WrittenSpan).All(c => c == '\t' || !TerminalText.IsControl(c)));
    }

    [Fact]
    public void Every_byte_value_comes_out_without_a_control()
    {
        var all = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        var output = new ArrayBufferWriter<byte>();
        TerminalText.VisibleLine(all, output);
        Assert.NotNull(TerminalText.DecodeStrict(output.WrittenSpan));
        Assert.DoesNotContain(Encoding.UTF8.GetString(output.WrittenSpan), c => c != '\t' && TerminalText.IsControl(c));
        Assert.True(output.WrittenCount <= all.Length * 4);
    }

    [Fact]
    public void The_text_writer_escapes_controls_but_keeps_lines()
    {
        var inner = new StringWriter { NewLine = "\n" };
        var writer = new VisibleTextWriter(inner);
        writer.WriteLine($"sessionkeeper: host\x1b[31m: {"x\ry"}");
        writer.Write('\x07');
        writer.Write("ok\tfine\n".ToCharArray(), 0, 8);
        Assert.Equal("sessionkeeper: host\\e[31m: x\\ry\n\\x07ok\tfine\n", inner.ToString());
    }

    [Fact]
    public void Strict_decoding_refuses_bytes_that_are_not_utf8()
    {
        Assert.Equal("é", TerminalText.DecodeStrict([0xc3, 0xa9]));
        Assert.Null(TerminalText.DecodeStrict([0xe9]));
    }

    [Fact]
    public void A_long_id_widens_its_column_instead_of_shifting_the_row()
    {
        var table = new TextTable("ID", "STATE", "COMMAND");
        table.Add("short", "running", "sleep 1");
        table.Add(new string('x', 40), "exited 0", "true");
        table.Add("evil\x1b[2J", "lost (identity\rmismatch)", "a\x07");
        var writer = new StringWriter { NewLine = "\n" };
        table.WriteTo(writer);
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var stateColumn = lines[0].IndexOf("STATE", StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.Equal(' ', l[stateColumn - 1]));
        Assert.Equal("running", lines[1][stateColumn..].Split("  ")[0]);
        Assert.Equal("exited 0", lines[2][stateColumn..].Split("  ")[0]);
        Assert.Equal(lines[0].IndexOf("COMMAND", StringComparison.Ordinal), lines[2].IndexOf("true", StringComparison.Ordinal));
        Assert.Equal("evil\\e[2J", lines[3][..stateColumn].TrimEnd());
        Assert.EndsWith("a\\x07", lines[3], StringComparison.Ordinal);
        Assert.DoesNotContain(writer.ToString(), c => c != '\n' && TerminalText.IsControl(c));
    }
}
