using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// A run request sent perl-first (RunnerRequest.ToPayload, the runner's sk_first, front.pl): the
/// target's sh parses only the functions sk_first needs and execs perl, which reads the rest of the
/// payload from the channel. Its layout, and what the target does with it where sh cannot hand it
/// to perl (no perl), where perl hands it back to sh, where it is cut short, and where it is too large
/// to go so: run for real by dash, bash and BusyBox ash.
/// </summary>
public sealed partial class PerlFirstRunScriptTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("sk-first-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void A_run_goes_perl_first_with_its_parts_where_its_marker_says()
    {
        var (id, payload) = Payload("sleep 1; echo ok");
        var text = Encoding.UTF8.GetString(payload);

        // 1. The brace group sh parses: the runner without its lazy text, the small values, sk_first.
        const string FirstEnd = "SK_FIRST=1\nsk_first\n}\n";
        var first = text[..(text.IndexOf(FirstEnd, StringComparison.Ordinal) + FirstEnd.Length)];
        Assert.StartsWith("{\n" + RunnerRequest.RunnerCoreScript + "\n", first, StringComparison.Ordinal);
        Assert.DoesNotContain("sk_lazy_text='", first, StringComparison.Ordinal);
        Assert.Contains($"\nSK_ID='{id}'\n", first, StringComparison.Ordinal);
        foreach (var tool in new[] { RequestVariables.Keeper, RequestVariables.StreamTool, RequestVariables.Wrapper })
        {
            Assert.DoesNotContain($"\n{tool}=", first, StringComparison.Ordinal);
        }

        // 2. The here-document: padding beyond any sh's read-ahead, the marker, perl's part.
        var rest = text[first.Length..];
        Assert.StartsWith($": <<'{RunnerRequest.PerlPartEnd}'\n", rest, StringComparison.Ordinal);
        var marker = MarkerLine().Match(rest);
        Assert.True(marker.Success);
        var padding = rest[(rest.IndexOf('\n') + 1)..marker.Index];
        Assert.True(padding.Length >= RunnerRequest.PerlFirstPadding, $"{padding.Length} bytes of padding");
        Assert.DoesNotContain("@@SKP", padding, StringComparison.Ordinal);
        var (n, f, k, s) = (int.Parse(marker.Groups[1].Value), int.Parse(marker.Groups[2].Value), int.Parse(marker.Groups[3].Value), int.Parse(marker.Groups[4].Value));
        var body = rest[(marker.Index + marker.Length)..];
        Assert.Equal(n, Encoding.UTF8.GetByteCount(body));
        Assert.Equal(RunnerRequest.FrontScript, body[..f]);
        Assert.Equal(RunnerRequest.KeeperLaunchScript, body.Substring(f, k));
        Assert.Equal(RunnerRequest.StreamToolScript, body.Substring(f + k, s));
        var end = RunnerRequest.PerlPartEnd + "\n";
        Assert.Equal(end, body.Substring(f + k + s, end.Length));

        // 3. The whole payload as sent otherwise, but for the perl tools.
        var whole = body[(f + k + s + end.Length)..];
        Assert.StartsWith("{\n" + RunnerRequest.RunnerScript + "\n", whole, StringComparison.Ordinal);
        Assert.EndsWith("sk_main\nexit\n}\n", whole, StringComparison.Ordinal);
        Assert.Contains($"\n{RequestVariables.Wrapper}='", whole, StringComparison.Ordinal);
        Assert.DoesNotContain($"\n{RequestVariables.Keeper}=", whole, StringComparison.Ordinal);
        Assert.DoesNotContain($"\n{RequestVariables.StreamTool}=", whole, StringComparison.Ordinal);
        Assert.DoesNotContain($"\n{RequestVariables.First}=", whole, StringComparison.Ordinal);
    }

    [Theory(Timeout = 60000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_perl_first_payload_parses_in_every_shell(string shell)
    {
        var (_, payload) = Payload("sleep 1; echo ok");
        var path = Path.Combine(_dir.FullName, "payload");
        await File.WriteAllBytesAsync(path, payload);

        var (exit, _, error) = await ShellAsync(shell, ["-n", path], null, []);

        Assert.True(exit == 0 && error.Length == 0, error);
    }

    /// <summary>
    /// Other requests, a test's fault hook or tier, and a run whose whole payload would not fit in
    /// the one argument front.pl hands sh go as before: the runner, its variables, sk_main.
    /// </summary>
    [Fact]
    public void What_cannot_go_perl_first_goes_as_before()
    {
        var id = JobId.New();
        var big = new string('x', 60_000);
        RunnerRequest[] requests =
        [
            new LaunchRequest(id, JobCookie.New(), new JobSpec("true")).ToRunnerRequest(),
            new LaunchRequest(id, JobCookie.New(), new JobSpec("true"), Fault: "remote-after-mkdir").ToRunnerRequest(),
            Run(id, $": '{big}'; echo ok"),
            RunnerRequest.Combined(Verbs.Run, Run(id, "true"), new RunnerRequest(Verbs.Run).Set(RequestVariables.Tier, "posix")),
            RunnerRequest.Combined(Verbs.Run, Run(id, "true"), new RunnerRequest(Verbs.Run).Set(RequestVariables.Fault, "remote-after-mkdir")),
        ];

        Assert.All(requests, r => Assert.StartsWith("{\n" + RunnerRequest.RunnerScript + "\n", Encoding.UTF8.GetString(r.ToPayload()), StringComparison.Ordinal));
        Assert.StartsWith("{\n" + RunnerRequest.RunnerCoreScript + "\n", Encoding.UTF8.GetString(Run(id, "true").ToPayload()), StringComparison.Ordinal);
    }

    /// <summary>A run too large to go perl-first is served as before: perl from sh's $(...), its words on fd 3.</summary>
    [Theory(Timeout = 60000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_run_too_large_for_one_argument_is_served_as_before(string shell)
    {
        var big = new string('x', 60_000);
        var (id, payload) = Payload($": '{big}'; echo ok");
        Assert.StartsWith("{\n" + RunnerRequest.RunnerScript + "\n", Encoding.UTF8.GetString(payload), StringComparison.Ordinal);

        var (exit, output, error) = await RunAsync(shell, payload, []);

        Assert.True(exit == 0, error);
        Assert.Contains("@@SKD o 0 3\nok\n@@SKE\n", output, StringComparison.Ordinal);
        Assert.Contains(" state=exited code=0 ", output, StringComparison.Ordinal);
        Assert.StartsWith("3 perl ", File.ReadAllText(Path.Combine(JobDir(id), "proto")), StringComparison.Ordinal);
    }

    /// <summary>
    /// Without perl on the login's PATH sk_first returns having said nothing, and sh reads on: the
    /// here-document, then the whole payload, which it serves with its own tier (the whole payload
    /// carries no perl tools: the perl that sh's PATH finds later has nothing to run, and declines).
    /// </summary>
    [Theory(Timeout = 60000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task Without_perl_a_perl_first_run_is_served_by_sh(string shell)
    {
        var (id, payload) = Payload("echo out; echo err >&2; exit 3");
        var bin = _dir.CreateSubdirectory("bin-" + shell).FullName;

        var (exit, output, error) = await RunAsync(shell, payload, new() { ["PATH"] = bin });

        Assert.True(exit == 0, error);
        Assert.Contains("@@SKD o 0 4\nout\n@@SKE\n", output, StringComparison.Ordinal);
        Assert.Contains("@@SKD e 0 4\nerr\n@@SKE\n", output, StringComparison.Ordinal);
        Assert.Contains(" state=exited code=3 ", output, StringComparison.Ordinal);
        Assert.EndsWith("@@SK2 end\n", output, StringComparison.Ordinal);
        Assert.Equal("2 sh\n", File.ReadAllText(Path.Combine(JobDir(id), "proto")));
    }

    /// <summary>
    /// Cut anywhere before its last "}", a perl-first payload runs nothing: cut in its brace group,
    /// sh parses no complete command; cut after it, perl ends at the end of its input before it
    /// compiles anything, and sh (without perl) stops in its here-document or in the whole
    /// payload's brace group. (Only its last newline may go: then the "}" before it still closes.)
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_perl_first_payload_cut_short_runs_nothing(string shell)
    {
        var (_, payload) = Payload("echo launched-by-a-cut-payload > /dev/null");
        var text = Encoding.UTF8.GetString(payload);
        var firstEnd = text.IndexOf("sk_first\n}\n", StringComparison.Ordinal) + "sk_first\n}\n".Length;
        var markerAt = text.IndexOf("\n@@SKP ", StringComparison.Ordinal);
        int[] cuts = [firstEnd / 2, firstEnd - 2, firstEnd + 100, markerAt + 3, markerAt + 2000, payload.Length - 3000, payload.Length - 2];
        foreach (var perl in new[] { true, false })
        {
            foreach (var cut in cuts)
            {
                var environment = perl ? new Dictionary<string, string>() : new() { ["PATH"] = _dir.CreateSubdirectory("nobin").FullName };
                var (_, output, _) = await RunAsync(shell, payload[..cut], environment);

                Assert.False(output.Contains("@@SK2 ", StringComparison.Ordinal), $"cut at {cut} of {payload.Length} ({string.Join(", ", cuts)}), perl {perl}: {output}");
                Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "state", "sessionkeeper", "jobs")) && Directory.EnumerateDirectories(Path.Combine(_dir.FullName, "state", "sessionkeeper", "jobs")).Any(), $"cut at {cut} of {payload.Length}, perl {perl}: a job directory was made");
            }
        }
    }

    /// <summary>
    /// Where keeper.pl does not compile (a perl older than 5.10) or stream.pl does not, front.pl's
    /// END block hands the call to sh with perl's words: sh launches (without them) or streams (after
    /// "launched"), as the runner does when its own perl says nothing more. The scripts are swapped
    /// in the payload for one that dies as it compiles.
    /// </summary>
    [Theory(Timeout = 60000)]
    [InlineData("dash", 1)]
    [InlineData("dash", 2)]
    [InlineData("bash", 1)]
    [InlineData("ash", 2)]
    public async Task Where_a_perl_tool_does_not_compile_front_pl_hands_the_call_to_sh(string shell, int part)
    {
        var (id, payload) = Payload("echo out; exit 4");
        var broken = WithPart(payload, part, "BEGIN { die qq(this perl is too old\\n) }\n");

        var (exit, output, error) = await RunAsync(shell, broken, []);

        Assert.True(exit == 0, error);
        Assert.Contains("@@SKD o 0 4\nout\n@@SKE\n", output, StringComparison.Ordinal);
        Assert.Contains(" state=exited code=4 ", output, StringComparison.Ordinal);
        Assert.EndsWith("@@SK2 end\n", output, StringComparison.Ordinal);
        Assert.Contains(part == 1 ? "@@SK2 launched id=" + id + " fresh=1" : "@@SK2 stream id=" + id, output, StringComparison.Ordinal);
    }

    /// <summary>The payload with part 1 (keeper.pl) or 2 (stream.pl) of perl's replaced by <paramref name="text"/>, the marker's lengths to match.</summary>
    private static byte[] WithPart(byte[] payload, int part, string text)
    {
        var whole = Encoding.UTF8.GetString(payload);
        var marker = MarkerLine().Match(whole);
        var lengths = Enumerable.Range(1, 4).Select(i => int.Parse(marker.Groups[i].Value)).ToArray();
        var at = marker.Index + marker.Length + lengths[1] + (part == 2 ? lengths[2] : 0);
        var old = lengths[part + 1];
        lengths[part + 1] = text.Length;
        lengths[0] += text.Length - old;
        return Encoding.UTF8.GetBytes(
            whole[..marker.Index] + $"@@SKP {string.Join(' ', lengths)}\n" + whole[(marker.Index + marker.Length)..at] + text + whole[(at + old)..]);
    }

    private static RunnerRequest Run(JobId id, string command) => new RunRequest(
        new LaunchRequest(id, JobCookie.New(), new JobSpec(command, Shell: "/bin/sh")),
        new StreamRequest(id, default, 1 << 20, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), "c1")).ToRunnerRequest();

    private static (JobId Id, byte[] Payload) Payload(string command)
    {
        var id = JobId.New();
        return (id, Run(id, command).ToPayload());
    }

    private string JobDir(JobId id) => Path.Combine(_dir.FullName, "state", "sessionkeeper", "jobs", id.ToString());

    /// <summary>The payload on the stdin of `SHELL -s`, as sshd's session runs the constant remote command; stdin closed after it.</summary>
    private Task<(int Exit, string Output, string Error)> RunAsync(string shell, byte[] payload, Dictionary<string, string> environment)
    {
        environment["XDG_STATE_HOME"] = _dir.CreateSubdirectory("state").FullName;
        environment["SESSIONKEEPER_INTERP"] = Shells.Path_(shell);
        return ShellAsync(shell, ["-s"], payload, environment);
    }

    private static async Task<(int Exit, string Output, string Error)> ShellAsync(string shell, string[] args, byte[]? stdin, Dictionary<string, string> environment)
    {
        // As sshd starts a session's command: every signal at its default.
        var info = new ProcessStartInfo("env")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--default-signal", Path.GetFullPath(Shells.Path_(shell)) }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"(?m)^@@SKP ([0-9]+) ([0-9]+) ([0-9]+) ([0-9]+)\n")]
    private static partial Regex MarkerLine();
}
