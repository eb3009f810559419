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
}
