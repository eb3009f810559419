using System.Diagnostics;
using SessionKeeper.Core.Remote;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

public class ShellQuoteTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        string[] texts = ["plain", "it's", "'", "''", "\"dq\"", "$(touch x)", "`id`", "a;b|c&d", "line1\nline2", "bang!", "trail\\", "*?[a]", "héllo wörld ✓", "", " lead", "\t"];
        foreach (var shell in new[] { "dash", "bash", "ash" })
        {
            foreach (var text in texts)
            {
                data.Add(shell, text);
            }
        }

        return data;
    }

    [Theory(Timeout = 20000)]
    [MemberData(nameof(Cases))]
    public async Task Round_trips_byte_exact_through_posix_shells(string shell, string text)
    {
        var info = new ProcessStartInfo(Shells.Path_(shell)) { RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("printf '%s' " + ShellQuote.Quote(text));
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(text, output);
    }

    [Fact]
    public void Refuses_nul() => Assert.Throws<ArgumentException>(() => ShellQuote.Quote("a\0b"));

    /// <summary>Bytes that are not UTF-8 (and quotes among them) come out of every shell as they went in.</summary>
    [Theory(Timeout = 20000)]
    [InlineData("dash")]
    [InlineData("bash")]
    [InlineData("ash")]
    public async Task Bytes_that_are_not_utf8_round_trip_through_posix_shells(string shell)
    {
        byte[] bytes = [0xff, 0xfe, (byte)'\'', 0x80, (byte)' ', 0xc3, (byte)'\'', 0xe2, 0x82, (byte)'\n', 0xed, 0xa0, 0x80, 0xf4, 0x90];
        var info = new ProcessStartInfo(Shells.Path_(shell)) { RedirectStandardOutput = true };
        info.ArgumentList.Add("-s");
        info.RedirectStandardInput = true;
        info.Environment["LC_ALL"] = "C.UTF-8"; // a multibyte locale: the shell must still not decode them
        using var process = Process.Start(info)!;
        byte[] script = [.. "printf '%s' "u8, .. ShellQuote.Quote(bytes), (byte)'\n'];
        await process.StandardInput.BaseStream.WriteAsync(script);
        process.StandardInput.Close();
        using var output = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(output);
        await process.WaitForExitAsync();
        Assert.Equal(bytes, output.ToArray());
    }

    [Fact]
    public void Refuses_a_nul_byte() => Assert.Throws<ArgumentException>(() => ShellQuote.Quote([0x41, 0x00]));
}
