using System.Text;
using SessionKeeper.Cli.Fleet;

namespace SessionKeeper.Tests.Cli.Fleet;

/// <summary>Lines are handed on whole, but never more than the cap is held; a cut line is marked as continued.</summary>
public class LineStreamTests
{
    [Fact]
    public void A_line_longer_than_the_cap_comes_in_marked_pieces_with_every_byte()
    {
        var pieces = new List<(string Text, bool Continued)>();
        using (var stream = new LineStream((line, continued) => pieces.Add((Encoding.ASCII.GetString(line), continued)), maxLine: 4))
        {
            stream.Write("abcdefghij\nxy"u8);
            stream.Write("z\n"u8);
            stream.Write("1234"u8);
            stream.Write("5"u8);
        }

        Assert.Equal(
            [("abcd", true), ("efgh", true), ("ij", false), ("xyz", false), ("1234", true), ("5", false)],
            pieces);
    }

    [Fact]
    public void The_real_cap_holds_for_a_stream_without_newlines()
    {
        var total = 0L;
        var longest = 0;
        var ends = 0;
        var chunk = new byte[100_000];
        Array.Fill(chunk, (byte)'x');
        using (var stream = new LineStream((line, continued) =>
        {
            total += line.Length;
            longest = Math.Max(longest, line.Length);
            ends += continued ? 0 : 1;
        }))
        {
            for (var i = 0; i < 50; i++)
            {
                stream.Write(chunk);
            }
        }

        Assert.Equal(5_000_000, total);
        Assert.Equal(LineStream.MaxLine, longest);
        Assert.Equal(1, ends);
    }

    [Fact]
    public void A_utf8_sequence_is_never_cut_in_two()
    {
        var pieces = new List<byte[]>();
        using (var stream = new LineStream((line, _) => pieces.Add(line.ToArray()), maxLine: 5))
        {
            stream.Write(Encoding.UTF8.GetBytes("abcé🙂xyz"));
        }

        Assert.All(pieces, p => Assert.Equal(p, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(p))));
        Assert.Equal("abcé🙂xyz", Encoding.UTF8.GetString(pieces.SelectMany(p => p).ToArray()));
    }

    [Fact]
    public void Tagged_lines_show_controls_escaped_unless_raw()
    {
        var hostile = "\x1b[1A\x1b[2Kother: forged\r\x07ok\tdone\n"u8.ToArray();
        using var escaped = new MemoryStream();
        using (var a = new TaggedOutput(new object(), raw: false).For("a", escaped))
        {
            a.Write(hostile);
        }

        using var raw = new MemoryStream();
        using (var a = new TaggedOutput(new object(), raw: true).For("a", raw))
        {
            a.Write(hostile);
        }

        Assert.Equal("a: \\e[1A\\e[2Kother: forged\\r\\x07ok\tdone\n", Encoding.UTF8.GetString(escaped.ToArray()));
        Assert.Equal([.. "a: "u8, .. hostile], raw.ToArray());
    }

    [Fact]
    public void A_hostile_host_name_is_escaped_in_its_tag()
    {
        using var stdout = new MemoryStream();
        using (var a = new TaggedOutput(new object(), raw: true).For("h\x1b]0;x\x07", stdout))
        {
            a.Write("line\n"u8);
        }

        Assert.Equal("h\\e]0;x\\x07: line\n", Encoding.UTF8.GetString(stdout.ToArray()));
    }

    [Fact]
    public void A_cut_tagged_line_goes_on_under_a_plus_tag()
    {
        using var stdout = new MemoryStream();
        var line = new string('x', LineStream.MaxLine + 10);
        using (var a = new TaggedOutput(new object(), raw: false).For("a", stdout))
        {
            a.Write(Encoding.ASCII.GetBytes(line + "\nnext\n"));
        }

        Assert.Equal($"a: {line[..LineStream.MaxLine]}\na+ {line[LineStream.MaxLine..]}\na: next\n", Encoding.ASCII.GetString(stdout.ToArray()));
    }

    [Fact]
    public void Json_output_gives_bytes_that_are_not_utf8_as_base64_and_marks_pieces()
    {
        using var stdout = new MemoryStream();
        var events = new JsonEvents(stdout, new object());
        using (var output = events.OutputFor("h", "j", "stdout"))
        {
            output.Write([0x61, 0xff, 0x62, (byte)'\n', 0xc3, 0xa9, (byte)'\n']);
        }

        var lines = Encoding.UTF8.GetString(stdout.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal([0x61, 0xff, 0x62], lines[0].GetProperty("line_base64").GetBytesFromBase64());
        Assert.False(lines[0].TryGetProperty("line", out _));
        Assert.Equal("é", lines[1].GetProperty("line").GetString());
        Assert.False(lines[1].TryGetProperty("continued", out _));
    }
}
