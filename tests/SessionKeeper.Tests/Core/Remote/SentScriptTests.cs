using System.Diagnostics;
using System.Text;
using SessionKeeper.Build;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The scripts as Core embeds and every call sends them (the build's <see cref="ScriptStripper"/>
/// output; every script test runs them): they parse in every shell, mean what their commented
/// sources mean (bash's own listing of the script as one function, perl's B::Deparse), and the
/// stripper really strips them (its fallback, the script as written, would pass the rest silently).
/// </summary>
public sealed class SentScriptTests : IDisposable
{
    /// <summary>
    /// A run request's payload (runner, wrapper, keeper and stream helper) was 126 KB with comments.
    /// Sent perl-first it holds the runner twice (the functions sk_first needs, then the whole
    /// payload for sh when perl cannot serve the call) and 16 KB of padding, so it is larger on the
    /// wire; what the target's sh reads and parses where perl exists is its first part.
    /// </summary>
    private const int RunPayloadBound = 100_000;

    /// <summary>The first part of a perl-first run (the runner's functions sk_first needs and the request's small values): was 71 KB, the whole payload.</summary>
    private const int FirstPartBound = 10_000;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("sk-sent-");

    public static TheoryData<string, string> ShellScripts()
    {
        var data = new TheoryData<string, string>();
        foreach (var shell in new[] { "dash", "bash", "ash" })
        {
            data.Add(shell, "runner.sh");
            data.Add(shell, "wrapper.sh");
        }

        return data;
    }

    public static TheoryData<string> PerlScripts => new() { "keeper.pl", "stream.pl", "adopt.pl", "front.pl" };

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory]
    [InlineData("runner.sh")]
    [InlineData("wrapper.sh")]
    [InlineData("keeper.pl")]
    [InlineData("stream.pl")]
    [InlineData("adopt.pl")]
    public void The_build_embeds_each_script_as_the_stripper_makes_it(string file)
    {
        var source = Source(file);
        Assert.Equal(file.EndsWith(".pl", StringComparison.Ordinal) ? ScriptStripper.Perl(source) : ScriptStripper.Shell(source), Sent(file));
        Assert.True(Sent(file).Length < source.Length * 3 / 4, $"{file} not stripped: the stripper left it as written");
    }

    [Theory(Timeout = 60000)]
    [MemberData(nameof(ShellScripts))]
    public async Task A_sent_shell_script_parses(string shell, string file)
    {
        var (exit, output, error) = await RunAsync(Shells.Path_(shell), "-n", Write(file, Sent(file)));
        Assert.True(exit == 0 && output.Length == 0 && error.Length == 0, output + error);
    }

    [Theory(Timeout = 60000)]
    [InlineData("runner.sh")]
    [InlineData("wrapper.sh")]
    public async Task A_sent_shell_script_is_its_source_to_bash(string file)
    {
        var source = await ListingAsync(Write("source-" + file, AsFunction(Source(file))));
        // The runner's parts sent as text (see ScriptStripper.Shell) are compared as the code they hold.
        var sent = await ListingAsync(Write("sent-" + file, AsFunction(LazyText.Expand(Sent(file)))));

        Assert.True(source.Split('\n').Length > 200, source);
        Assert.Equal(source, sent);
    }

    [Theory(Timeout = 60000)]
    [MemberData(nameof(PerlScripts))]
    public async Task A_sent_perl_tool_compiles_to_what_its_source_does(string file)
    {
        // Text compiled on first need (stripped as code of its own, see ScriptStripper.Perl) is compared as the code it holds.
        var source = await RunAsync("perl", "-MO=Deparse", Write("source-" + file, LazyText.PerlInPlace(Source(file))));
        var sent = await RunAsync("perl", "-MO=Deparse", Write("sent-" + file, LazyText.PerlInPlace(Sent(file))));

        Assert.True(source.Exit == 0 && sent.Exit == 0, source.Error + sent.Error);
        Assert.Equal(source.Output, sent.Output);
    }

    [Fact]
    public void A_run_request_carries_the_scripts_as_sent_within_its_bound()
    {
        var id = JobId.Parse("k7q2");
        var payload = new RunRequest(
            new LaunchRequest(id, JobCookie.New(), new JobSpec("sleep 1; echo ok")),
            new StreamRequest(id, default, 1 << 20, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), "c1"))
            .ToRunnerRequest().ToPayload();

        var text = Encoding.UTF8.GetString(payload);
        Assert.StartsWith("{\n" + RunnerRequest.RunnerCoreScript + "\n", text, StringComparison.Ordinal);
        var first = text[..(text.IndexOf("\nsk_first\n}\n", StringComparison.Ordinal) + "\nsk_first\n}\n".Length)];
        Assert.True(first.Length < FirstPartBound, $"the first part, which the target's sh parses, is {first.Length} bytes");
        Assert.Contains("\n{\n" + Sent("runner.sh") + "\n", text, StringComparison.Ordinal);
        Assert.True(payload.Length < RunPayloadBound, $"a run request's payload is {payload.Length} bytes");
    }

    private static string Sent(string file) => file switch
    {
        "runner.sh" => RunnerRequest.RunnerScript,
        "wrapper.sh" => RunnerRequest.WrapperScript,
        "keeper.pl" => RunnerRequest.KeeperScript,
        "stream.pl" => RunnerRequest.StreamToolScript,
        "front.pl" => RunnerRequest.FrontScript,
        _ => RunnerRequest.AdoptToolScript,
    };

    /// <summary>A script as written, with its comments.</summary>
    private static string Source(string file) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "RemoteSources", file));

    /// <summary>The script as the body of one function: bash lists it without comments, blank lines or indentation of its own.</summary>
    private static string AsFunction(string script) => "sk_listed() {\n" + script + "\n}\n";

    private static async Task<string> ListingAsync(string path)
    {
        var (exit, output, error) = await RunAsync("/bin/bash", "-c", ". \"$1\" && declare -f sk_listed", "bash", path);
        Assert.True(exit == 0 && error.Length == 0, error);
        return output;
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, error);
    }
}
