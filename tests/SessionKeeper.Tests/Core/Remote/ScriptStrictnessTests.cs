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
    public static TheoryData<string> Scripts => new() { "keeper.pl", "stream.pl", "adopt.pl" };

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Scripts))]
    public async Task The_perl_tools_compile_under_strict_and_warnings_without_a_word(string name)
    {
        var text = name switch
        {
            "keeper.pl" => RunnerRequest.KeeperScript,
            "stream.pl" => RunnerRequest.StreamToolScript,
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
            _ => RunnerRequest.AdoptToolScript,
        };
        var inPlace = LazyText.PerlInPlace(text);
        Assert.True(name == "adopt.pl" || inPlace != text, $"{name} compiles its rare subs on first need");
        Assert.DoesNotContain("LAZY", inPlace, StringComparison.Ordinal);
        await CompilesCleanAsync(inPlace);
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
    public void The_per_job_tools_load_no_strict_pm(string name)
    {
        var text = name == "keeper.pl" ? RunnerRequest.KeeperScript : RunnerRequest.StreamToolScript;
        Assert.DoesNotContain("\nuse strict", text, StringComparison.Ordinal);
        Assert.DoesNotContain("no strict", text, StringComparison.Ordinal);
    }
}
