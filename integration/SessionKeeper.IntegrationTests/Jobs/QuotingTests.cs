using System.Diagnostics;
using System.Text;
using System.Text.Json;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// A command text full of shell syntax reaches the target byte for byte, whatever the login shell:
/// the login shell only ever sees the runner's constant command. Canaries hidden in quotes never fire.
/// </summary>
public sealed class QuotingTests(JobsHost host) : IClassFixture<JobsHost>
{
    [SkippableTheory(Timeout = 60000)]
    [InlineData("/bin/dash")]
    [InlineData("/bin/bash")]
    [InlineData("/usr/bin/fish")]
    [InlineData("/usr/bin/tcsh")]
    public async Task A_tricky_command_text_arrives_byte_exact_and_its_canaries_never_fire(string loginShell)
    {
        Prerequisite.Require(SshdFixture.IsRoot, $"needs root to create a user whose login shell is {loginShell}");
        var user = await PrepareUserAsync(loginShell);
        var canary = $"/tmp/sk-canary-{Guid.NewGuid():N}";
        var globs = CreateGlobDirectory();
        var text = TrickyText(canary, globs);
        var id = JobsHost.NewJobId("quote");

        // --shell /bin/sh: the text is run by sh, so its output is known whatever the login shell.
        var result = await host.RunAsync("run", ["--", text], ["--id", id, "--shell", "/bin/sh"], user);

        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = ExpectedOutput(canary, globs);
        Assert.Equal(expected, result.StdoutText);
        Assert.Equal(Encoding.UTF8.GetBytes(text), File.ReadAllBytes(Path.Combine(host.JobDir(id), "cmd")));
        Assert.Equal(Encoding.UTF8.GetBytes(expected), File.ReadAllBytes(Path.Combine(host.JobDir(id), "out")));
        Assert.False(File.Exists(canary), $"a canary fired: {canary} exists");
    }

    /// <summary>The upload of stdin is a runner call like any other: whatever the login shell, the job reads our bytes and our end of file.</summary>
    [SkippableTheory(Timeout = 60000)]
    [InlineData("/bin/dash")]
    [InlineData("/bin/bash")]
    [InlineData("/usr/bin/fish")]
    [InlineData("/usr/bin/tcsh")]
    public async Task Piped_stdin_reaches_the_job_whatever_the_login_shell(string loginShell)
    {
        Prerequisite.Require(SshdFixture.IsRoot, $"needs root to create a user whose login shell is {loginShell}");
        var user = await PrepareUserAsync(loginShell);
        var input = Encoding.UTF8.GetBytes($"line 1 'quoted' $HOME `x` \\ {loginShell}\nline 2\n");
        await using var cli = host.Start("run", ["--", "cat; echo end"], ["--shell", "/bin/sh"], user, keepStdin: true);
        await cli.WriteStdinAsync(input);
        cli.CloseStdin();
        var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(45));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Encoding.UTF8.GetString(input) + "end\n", result.StdoutText);
    }

    [SkippableTheory(Timeout = 60000)]
    [InlineData("/bin/dash", "echo $0", "^/bin/dash\n$")]
    [InlineData("/bin/bash", "echo $0 $BASH_VERSION", @"^/bin/bash 5\.[0-9.]+\(\d+\)-release\n$")]
    [InlineData("/usr/bin/fish", "echo fish $FISH_VERSION", @"^fish 3\.[0-9.]+\n$")]
    [InlineData("/usr/bin/tcsh", "echo $version", @"^tcsh 6\.[0-9.]+ .*\n$")]
    public async Task Without_shell_option_the_login_shell_runs_the_command(string loginShell, string probe, string pattern)
    {
        Prerequisite.Require(SshdFixture.IsRoot, $"needs root to create a user whose login shell is {loginShell}");
        var user = await PrepareUserAsync(loginShell);

        var result = await host.RunAsync("run", ["--", probe], user: user);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(
            System.Text.RegularExpressions.Regex.IsMatch(result.StdoutText, pattern),
            $"built against Debian 12's {BuiltAgainst[loginShell]}: expected output matching {pattern}, got {result.StdoutText.TrimEnd()}");
    }

    /// <summary>The versions these probes were written against (Debian 12); another major version fails with this name.</summary>
    private static readonly Dictionary<string, string> BuiltAgainst = new(StringComparer.Ordinal)
    {
        ["/bin/dash"] = "dash 0.5.12",
        ["/bin/bash"] = "bash 5.2.15",
        ["/usr/bin/fish"] = "fish 3.6.0 (the probe expects fish 3.x)",
        ["/usr/bin/tcsh"] = "tcsh 6.24.07 (the probe expects tcsh 6.x)",
    };

    [Fact(Timeout = 60000)]
    public async Task Words_after_the_double_dash_are_joined_and_expanded_on_the_target_as_ssh_does()
    {
        string[] words = ["printf", "'[%s]'", "a", "'b  c'", "\"$HOME\"", "$((6*7))", "\\$x"];

        var ours = await host.RunAsync("run", ["--", .. words]);
        var ssh = await host.Sshd.RunOpenSshAsync(string.Join(' ', words), tty: false, CancellationToken.None);

        Assert.True(ours.ExitCode == 0, ours.ToString());
        Assert.Equal(0, ssh.ExitCode);
        Assert.Equal(ssh.StdoutText, ours.StdoutText);
        Assert.StartsWith("[a][b  c][/", ours.StdoutText, StringComparison.Ordinal);
        Assert.EndsWith("][42][$x]", ours.StdoutText, StringComparison.Ordinal);
    }

    /// <summary>
    /// Words that are not UTF-8 run as their bytes, as with ssh (not as U+FFFD), whatever .NET made
    /// of them; `jobs --json` and `status --json` give those bytes in command_base64.
    /// </summary>
    [Fact(Timeout = 90000)]
    public async Task Words_that_are_not_utf8_run_as_their_bytes_as_ssh_does()
    {
        const string octal = @"A\377\376 \200B\303";
        byte[] word = [(byte)'A', 0xff, 0xfe, (byte)' ', 0x80, (byte)'B', 0xc3];
        var id = JobsHost.NewJobId("bytes");
        var ours = host.Cli.CreateStartInfo(host.Arguments("run", ["--", "printf", "'[%s]'"], ["--id", id]));
        var ssh = host.Sshd.CreateOpenSshStartInfo("printf '[%s]'");

        var oursResult = await CliProcess.RunAsync(WithLastArgument(ours, octal), CliRunner.DefaultTimeout);
        var sshResult = await CliProcess.RunAsync(WithLastArgument(ssh, octal), SshdFixture.OpenSshTimeout);

        Assert.True(oursResult.ExitCode == 0, oursResult.ToString());
        Assert.True(sshResult.ExitCode == 0, sshResult.ToString());
        byte[] expected = [.. "[A"u8, 0xff, 0xfe, .. "]["u8, 0x80, (byte)'B', 0xc3, (byte)']'];
        Assert.Equal(expected, sshResult.Stdout);
        Assert.Equal(sshResult.Stdout, oursResult.Stdout);
        Assert.Equal((byte[])[.. "printf '[%s]' "u8, .. word], File.ReadAllBytes(Path.Combine(host.JobDir(id), "cmd")));

        var jobs = await host.Cli.RunAsync(["jobs", "--json"]);
        Assert.True(jobs.ExitCode == 0, jobs.ToString());
        using (var list = JsonDocument.Parse(jobs.Stdout))
        {
            var job = list.RootElement.EnumerateArray().Single(j => j.GetProperty("id").GetString() == id);
            Assert.Equal((byte[])[.. "printf '[%s]' "u8, .. word], job.GetProperty("command_base64").GetBytesFromBase64());
            Assert.Contains('\uFFFD', job.GetProperty("command").GetString()!);
        }

        var status = await host.RunAsync("status", [id], ["--json"]);
        Assert.True(status.ExitCode == 0, status.ToString());
        using var one = JsonDocument.Parse(status.Stdout);
        Assert.Equal((byte[])[.. "printf '[%s]' "u8, .. word], one.RootElement.GetProperty("command_base64").GetBytesFromBase64());
    }

    /// <summary>The same program started by sh with one more argument: the bytes of a printf octal text (.NET passes only UTF-8).</summary>
    private static ProcessStartInfo WithLastArgument(ProcessStartInfo info, string printfOctal)
    {
        var wrapped = new ProcessStartInfo("/bin/sh") { WorkingDirectory = info.WorkingDirectory };
        wrapped.ArgumentList.Add("-c");
        wrapped.ArgumentList.Add($"b=$(printf '{printfOctal}'); exec \"$0\" \"$@\" \"$b\"");
        wrapped.ArgumentList.Add(info.FileName);
        foreach (var arg in info.ArgumentList)
        {
            wrapped.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in info.Environment)
        {
            wrapped.Environment[name] = value;
        }

        return wrapped;
    }

    /// <summary>
    /// The test users share the fixture's XDG_STATE_HOME: its job tree is made world-writable and
    /// sticky up front, or the first user's private directory would lock the others out.
    /// </summary>
    private async Task<string> PrepareUserAsync(string loginShell)
    {
        var user = await host.Sshd.EnsureUserWithShellAsync(loginShell);
        foreach (var dir in new[] { Path.GetDirectoryName(host.RemoteJobsDir)!, host.RemoteJobsDir })
        {
            Directory.CreateDirectory(dir);
            File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("1777", 8));
        }

        return user;
    }

    private string CreateGlobDirectory()
    {
        var dir = Path.Combine(host.Sshd.TempDir, $"globs-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("755", 8));
        foreach (var name in new[] { "a1", "a2", "b1" })
        {
            File.WriteAllText(Path.Combine(dir, name), "");
        }

        return dir;
    }

    // Single and double quotes, $(...), backticks, ;|&, newlines, !, globs, UTF-8 and a trailing
    // backslash; every `touch` of the canary is quoted and must stay text.
    private static string TrickyText(string canary, string globs) => $"""
        printf '%s\n' 'single: it'\''s "dq" $(touch {canary}) `touch {canary}` ; touch {canary} | & ! * ? [x] ~ # \'
        printf '%s\n' "double: it's \$(touch {canary}) \`touch {canary}\` \"q\" ;|& ! * \\"
        echo sub=$(printf '%s' ok) tick=`printf '%s' ok`
        echo one; echo two | tr o 0 && echo three || echo never &
        wait
        printf '%s\n' glob: {globs}/a* '{globs}/*' /sk-no-such-dir-*/x*
        printf '%s\n' 'utf-8: ü € 😀 日本'
        printf '%s\n' 'multi
        line' !! '!$'
        printf '%s\n' trailing: x\
        """;

    private static string ExpectedOutput(string canary, string globs) => $"""
        single: it's "dq" $(touch {canary}) `touch {canary}` ; touch {canary} | & ! * ? [x] ~ # \
        double: it's $(touch {canary}) `touch {canary}` "q" ;|& ! * \
        sub=ok tick=ok
        one
        tw0
        three
        glob:
        {globs}/a1
        {globs}/a2
        {globs}/*
        /sk-no-such-dir-*/x*
        utf-8: ü € 😀 日本
        multi
        line
        !!
        !$
        trailing:
        x\

        """;
}
