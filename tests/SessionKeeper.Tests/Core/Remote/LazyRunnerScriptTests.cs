using System.Diagnostics;
using System.Text;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The runner as sent holds most of its functions as text (sk_lazy_text, see runner.sh's header),
/// defined by sk_lazy when a call needs them. The run verb served by perl must never need them: it
/// runs to its end with none of them defined and says nothing on stderr (a function it called and
/// lacked would say "not found" there and go on); every other path defines them before use (every
/// other script test runs those). Run for real by dash, bash and BusyBox ash, the runner's sh
/// reporting on stderr each time it defines them.
/// </summary>
public sealed class LazyRunnerScriptTests : IDisposable
{
    private const string Marker = "sk-lazy-defined";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("sk-lazy-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory(Timeout = 60000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task The_run_verb_served_by_perl_never_defines_the_functions_sent_as_text(string shell)
    {
        var (output, error) = await RunAsync(shell);

        Assert.Contains("@@SK2 launched ", output, StringComparison.Ordinal);
        Assert.Contains("\nok\n", output, StringComparison.Ordinal);
        Assert.Contains("@@SK2 done ", output, StringComparison.Ordinal);
        Assert.Contains(" state=exited code=0 ", output, StringComparison.Ordinal);
        Assert.EndsWith("@@SK2 end\n", output, StringComparison.Ordinal);
        if (Shells.IsPosixTier(shell))
        {
            // The sh tier needs them, once: the marker really reports it.
            Assert.Equal(Marker + "\n", error);
        }
        else
        {
            Assert.Equal("", error);
        }
    }

    [Theory(Timeout = 60000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task Most_of_the_runner_is_sent_as_text_and_sk_lazy_defines_it(string shell)
    {
        var runner = Path.Combine(_dir.FullName, "runner.sh");
        await File.WriteAllTextAsync(runner, RunnerRequest.RunnerScript);
        var lazy = await FunctionsAsync(shell, runner, "sk_lazy");
        var code = await FunctionsAsync(shell, runner, ":");

        Assert.Contains("sk_run_fast", code);
        Assert.Contains("sk_lazy", code);
        Assert.DoesNotContain("sk_launch", code);
        Assert.Contains("sk_launch", lazy);
        Assert.Superset(code, lazy);
        Assert.True(code.Count * 5 < lazy.Count, $"{code.Count} of {lazy.Count} functions sent as code");
    }

    /// <summary>The names of the functions defined once the script is read and COMMAND has run, by their definitions' own test, "command -v".</summary>
    private static async Task<HashSet<string>> FunctionsAsync(string shell, string script, string command)
    {
        var names = System.Text.RegularExpressions.Regex.Matches(LazyText.Expand(RunnerRequest.RunnerScript), @"(?m)^(sk_[a-z0-9_]+)\(\) \{")
            .Select(m => m.Groups[1].Value).ToList();
        Assert.True(names.Count > 50, $"{names.Count} functions");
        var info = new ProcessStartInfo(Shells.Path_(shell)) { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($". \"$1\"; {command}; for f in {string.Join(' ', names)}; do command -v \"$f\" >/dev/null && echo \"$f\"; done");
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add(script);
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A run of `cat FIFO; echo ok`: the job is still running when perl reports it, whatever the machine's load; the test then lets it end.</summary>
    private async Task<(string Output, string Error)> RunAsync(string shell)
    {
        var fifo = Path.Combine(_dir.FullName, "go");
        Assert.Equal(0, await ExitOfAsync("mkfifo", fifo));
        var id = JobId.New();
        var payload = Encoding.UTF8.GetString(new RunRequest(
            new LaunchRequest(id, JobCookie.New(), new JobSpec($"cat '{fifo}'", Shell: "/bin/sh")),
            new StreamRequest(id, default, 1 << 20, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), "c1") { Tier = Shells.IsPosixTier(shell) ? "posix" : null })
            .ToRunnerRequest().ToPayload());
        const string Eval = "\neval \"$_lz\"\n";
        // Sent perl-first, the payload holds the runner's functions twice: those sk_first needs
        // (sk_lazy among them), then the whole runner, for sh to serve the call when perl cannot.
        var perlFirst = payload.Contains("\nsk_first\n}\n", StringComparison.Ordinal);
        Assert.Equal(!Shells.IsPosixTier(shell), perlFirst);
        Assert.Equal(perlFirst ? 2 : 1, payload.Split(Eval).Length - 1);
        payload = payload.Replace(Eval, $"\necho {Marker} >&2{Eval}", StringComparison.Ordinal);

        var info = new ProcessStartInfo("env")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--default-signal", Shells.Path_(shell), "-s" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["XDG_STATE_HOME"] = _dir.CreateSubdirectory("state").FullName;
        info.Environment["SESSIONKEEPER_INTERP"] = Shells.Path_(shell);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(payload);
        process.StandardInput.Close();
        var output = new StringBuilder();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            output.Append(line).Append('\n');
            if (line.StartsWith("@@SK2 stream ", StringComparison.Ordinal))
            {
                await File.WriteAllTextAsync(fifo, "ok\n");
            }
        }

        await process.WaitForExitAsync();
        return (output.ToString(), await error);
    }

    private static async Task<int> ExitOfAsync(string program, params string[] args)
    {
        using var process = Process.Start(program, args);
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
