using System.Diagnostics;
using SessionKeeper.Core.Remote;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// keeper.pl and stream.pl do not load strict.pm (its search through @INC and its compile cost
/// every job about 0.4 ms of CPU on its target): they are compiled here with perl -Mstrict -w, so
/// they stay strict- and warnings-clean as if they said use strict.
/// </summary>
public sealed class ScriptStrictnessTests
{
    public static TheoryData<string> Scripts => new() { "keeper.pl", "stream.pl", "adopt.pl", "front.pl" };

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Scripts))]
    public async Task The_perl_tools_compile_under_strict_and_warnings_without_a_word(string name)
    {
        var text = name switch
        {
            "keeper.pl" => RunnerRequest.KeeperScript,
            "stream.pl" => RunnerRequest.StreamToolScript,
            "front.pl" => RunnerRequest.FrontScript,
            _ => RunnerRequest.AdoptToolScript,
        };
        await CompilesCleanAsync(text);
    }

    /// <summary>
    /// Text a tool compiles on first need (a here-document "my $NAME = &lt;&lt;'LAZY';", evaluated
    /// by a named sub of the same file) is compiled in place, where it stands, so it too is
    /// strict-clean and sees the lexicals it uses.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Scripts))]
    public async Task Text_compiled_on_first_need_compiles_in_place_under_strict_and_warnings(string name)
    {
        var text = name switch
        {
            "keeper.pl" => RunnerRequest.KeeperScript,
            "stream.pl" => RunnerRequest.StreamToolScript,
            "front.pl" => RunnerRequest.FrontScript,
            _ => RunnerRequest.AdoptToolScript,
        };
        var inPlace = LazyText.PerlInPlace(text);
        Assert.True(name == "adopt.pl" || inPlace != text, $"{name} compiles its rare subs on first need");
        Assert.DoesNotContain("LAZY", inPlace, StringComparison.Ordinal);
        await CompilesCleanAsync(inPlace);
    }

    /// <summary>
    /// Launch and run requests send keeper.pl without its serve text: what they send compiles as
    /// cleanly, and it is the whole keeper.pl but for that text, its subs gone with it.
    /// </summary>
    [Fact(Timeout = 120000)]
    public async Task Keeper_pl_as_launches_send_it_is_the_whole_file_but_the_serve_text_and_compiles_clean()
    {
        var whole = RunnerRequest.KeeperScript;
        var sent = RunnerRequest.KeeperLaunchScript;
        const string Start = "my $serve_text = <<'LAZY';\n";
        var from = whole.IndexOf(Start, StringComparison.Ordinal);
        var to = whole.IndexOf("\nLAZY\n", from, StringComparison.Ordinal) + "\nLAZY\n".Length;
        Assert.Equal(whole[..from] + "my $serve_text;\n" + whole[to..], sent);
        Assert.Contains("\nsub serve {", whole, StringComparison.Ordinal);
        Assert.DoesNotContain("sub serve", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("sub watch", sent, StringComparison.Ordinal);
        Assert.True(whole.Length - sent.Length > 4000, $"the serve text is {whole.Length - sent.Length} bytes");
        await CompilesCleanAsync(sent);
        await CompilesCleanAsync(LazyText.PerlInPlace(sent));
    }

    private static async Task CompilesCleanAsync(string text)
    {
        var info = new ProcessStartInfo("perl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-Mstrict", "-w", "-c", "-e", text])
        {
            info.ArgumentList.Add(arg);
        }

        using var perl = Process.Start(info)!;
        var stdout = perl.StandardOutput.ReadToEndAsync();
        var stderr = await perl.StandardError.ReadToEndAsync();
        await perl.WaitForExitAsync();

        Assert.Equal("-e syntax OK\n", stderr);
        Assert.Equal("", await stdout);
        Assert.Equal(0, perl.ExitCode);
    }

    [Theory]
    [InlineData("keeper.pl")]
    [InlineData("stream.pl")]
    [InlineData("front.pl")]
    public void The_per_job_tools_load_no_strict_pm(string name)
    {
        var text = name switch
        {
            "keeper.pl" => RunnerRequest.KeeperScript,
            "front.pl" => RunnerRequest.FrontScript,
            _ => RunnerRequest.StreamToolScript,
        };
        Assert.DoesNotContain("\nuse strict", text, StringComparison.Ordinal);
        Assert.DoesNotContain("no strict", text, StringComparison.Ordinal);
    }
}
