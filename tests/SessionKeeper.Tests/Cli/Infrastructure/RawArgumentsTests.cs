using System.Text;
using SessionKeeper.Cli.Infrastructure;

namespace SessionKeeper.Tests.Cli.Infrastructure;

/// <summary>The command words' bytes, taken again from /proc/self/cmdline where .NET decoded them lossily.</summary>
public sealed class RawArgumentsTests
{
    private static readonly byte[] Invalid = [0xff, 0xfe, (byte)'A'];

    /// <summary>What .NET gives Main for these bytes: each argument decoded, invalid bytes as U+FFFD.</summary>
    private static string[] Decoded(IEnumerable<byte[]> args) => [.. args.Select(Encoding.UTF8.GetString)];

    private static byte[] Cmdline(params byte[][] args) => [.. args.SelectMany(a => a.Append((byte)0))];

    private static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Parse_splits_at_nul_and_keeps_empty_arguments_and_spaces()
    {
        var parsed = RawArguments.Parse(Cmdline(B("dotnet"), B("sk.dll"), B(""), B("a b  c"), Invalid, B("")));

        Assert.Equal([B("dotnet"), B("sk.dll"), B(""), B("a b  c"), Invalid, B("")], parsed);
    }

    [Fact]
    public void Parse_keeps_a_last_argument_without_its_nul()
    {
        Assert.Equal([B("a"), B("b")], RawArguments.Parse([(byte)'a', 0, (byte)'b']));
        Assert.Empty(RawArguments.Parse([]));
    }

    [Fact]
    public void The_words_after_the_double_dash_get_their_bytes_back()
    {
        byte[][] args = [B("run"), B("-p"), B("22"), B("u@h"), B("--"), B("printf"), B("%s"), Invalid, B(""), B("x y")];
        var cmdline = RawArguments.Parse(Cmdline([B("/usr/bin/dotnet"), B("/opt/sk/sessionkeeper.dll"), .. args]));
        var decoded = Decoded(args);

        var raw = RawArguments.Align(decoded, cmdline);
        Assert.NotNull(raw);
        var joined = RawArguments.Join(decoded[5..], decoded, raw);

        Assert.Equal((byte[])[.. B("printf %s "), .. Invalid, .. B(" "), .. B(" x y")], joined);
    }

    [Fact]
    public void A_word_equal_to_an_option_value_before_the_double_dash_is_taken_after_it()
    {
        byte[] otherInvalid = [0xfe, 0xff, (byte)'A']; // decodes to the same text as Invalid
        byte[][] args = [B("run"), B("--cwd"), otherInvalid, B("u@h"), B("--"), B("echo"), Invalid];
        var decoded = Decoded(args);
        Assert.Equal(decoded[2], decoded[6]);

        var raw = RawArguments.Align(decoded, RawArguments.Parse(Cmdline([B("sessionkeeper"), .. args])))!;

        Assert.Equal((byte[])[.. B("echo "), .. Invalid], RawArguments.Join(decoded[5..], decoded, raw));
    }

    [Fact]
    public void Arguments_that_do_not_match_the_cmdline_are_not_used()
    {
        string[] args = ["run", "u@h", "--", "echo", "\uFFFD"];

        Assert.Null(RawArguments.Align(args, RawArguments.Parse(Cmdline(B("dotnet"), B("run"), B("u@h"), B("--"), B("echo"), B("other")))));
        Assert.Null(RawArguments.Align(args, RawArguments.Parse(Cmdline(B("echo"), Invalid))));
        Assert.Null(RawArguments.Join(["missing"], args, [.. args.Select(B)]));
    }

    [Fact]
    public void Words_that_decoded_exactly_need_no_cmdline()
    {
        RawArguments.Capture(["run", "h", "--", "echo", "ü"]);

        Assert.Null(RawArguments.JoinedCommand(["echo", "ü"]));
    }
}
