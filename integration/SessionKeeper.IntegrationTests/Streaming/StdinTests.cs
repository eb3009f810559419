using System.Diagnostics;
using System.Security.Cryptography;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// Our stdin becomes the job's, as under `ssh HOST CMD`: piped bytes reach the job as they come,
/// our end of file is its end of file, every byte exactly once through dropped links, in bounded
/// memory; `-n` gives it /dev/null; `run -d` returns once the job holds all of it.
/// </summary>
[Collection(StreamingTests.Name)]
public sealed class StdinTests(StreamHost host, ITestOutputHelper output) : IClassFixture<StreamHost>
{
    private const long Size = 200L << 20;
    private const double AllowanceMiB = 48;
    private const int StdinUploaderWindowBytes = SessionKeeper.Core.Streaming.StdinUploader.WindowBytes;

    [Fact(Timeout = 60_000)]
    public async Task Piped_stdin_reaches_the_job_and_its_end_is_the_job_end_of_file()
    {
        var id = StreamHost.NewJobId();
        await using var cli = host.Cli.Start(host.Arguments("run", ["--", "read -r a; echo \"got $a\"; cat; echo eof"], ["--id", id, "--shell", "/bin/sh"]), keepStdin: true);
        await cli.WriteStdinAsync("first\n"u8.ToArray());

        // The job answers the first line while our stdin is still open: it reads as bytes come.
        await cli.WaitForStdoutAsync("got first\n", TimeSpan.FromSeconds(30));
        await cli.WriteStdinAsync("second\n"u8.ToArray());
        cli.CloseStdin();
        var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("got first\nsecond\neof\n", result.StdoutText);
        var dir = host.JobDir(id);
        Assert.Equal("first\nsecond\n", File.ReadAllText(Path.Combine(dir, "in")));
        Assert.Equal("13", File.ReadAllText(Path.Combine(dir, "in.eof")).Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "in")));
    }

    [Fact(Timeout = 90_000)]
    public async Task A_spool_left_open_by_a_dead_uploader_is_closed_by_the_next_attach()
    {
        var id = StreamHost.NewJobId();
        var spool = Path.Combine(host.JobDir(id), "in");
        await using (var cli = host.Cli.Start(host.Arguments("run", ["--", "cat; echo end"], ["--id", id, "--shell", "/bin/sh"]), keepStdin: true))
        {
            await cli.WriteStdinAsync("abc\n"u8.ToArray());
            await Poll.UntilAsync(() => SpoolLength(spool) == 4, TimeSpan.FromSeconds(30), "4 bytes in the spool");
            cli.Kill(); // the uploader dies with our stdin still open: nobody will ever send the rest
        }

        // The job still waits for input; the next attach finds nobody uploading here, closes the
        // spool where it stands, and the job reads end-of-file.
        var attach = await host.RunAsync("attach", [id]);
        Assert.True(attach.ExitCode == 0, attach.ToString());
        Assert.Equal("abc\nend\n", attach.StdoutText);
        Assert.Contains("closed at 4 byte(s)", attach.Stderr, StringComparison.Ordinal);
        Assert.Equal("4", File.ReadAllText(Path.Combine(host.JobDir(id), "in.eof")).Trim());
    }

    [Fact(Timeout = 60_000)]
    public async Task Dash_n_gives_the_job_dev_null_even_with_our_stdin_open()
    {
        await using var cli = host.Cli.Start(host.Arguments("run", ["--", "cat; echo end"], ["-n", "--shell", "/bin/sh"]), keepStdin: true);
        await cli.WriteStdinAsync("not for the job\n"u8.ToArray());
        var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("end\n", result.StdoutText);
    }

    [Fact(Timeout = 60_000)]
    public async Task Run_detach_returns_once_the_job_holds_all_of_its_stdin()
    {
        var input = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 3);
        var path = Path.Combine(host.Sshd.TempDir, $"stdin-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(path, input);
        var id = StreamHost.NewJobId();

        // The job sleeps first: run -d must not wait for it to read, only for the spool to be complete.
        var started = await RunWithStdinAsync(path, "run", ["--", "sleep 2; sha256sum"], ["--detach", "--id", id, "--shell", "/bin/sh"]);
        Assert.True(started.ExitCode == 0, started.ToString());
        Assert.Equal(id + "\n", started.StdoutText);
        Assert.DoesNotContain("stdin uploaded", started.Stderr, StringComparison.Ordinal); // no terminal, no progress line
        Assert.Equal(input.Length, new FileInfo(Path.Combine(host.JobDir(id), "in")).Length);
        Assert.Equal(input.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(host.JobDir(id), "in.eof")).Trim());

        var waited = await host.RunAsync("wait", [id]);
        Assert.True(waited.ExitCode == 0, waited.ToString());
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(input)), File.ReadAllText(Path.Combine(host.JobDir(id), "out")), StringComparison.Ordinal);
        File.Delete(path);
    }

    [SkippableFact(Timeout = 90_000)]
    public async Task Run_detach_shows_its_upload_progress_on_a_terminal()
    {
        const string script = "/usr/bin/script";
        Prerequisite.Require(File.Exists(script), "util-linux script is not installed");
        var path = Path.Combine(host.Sshd.TempDir, $"stdin-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(path, RandomNumberGenerator.GetBytes(20 << 20));
        var id = StreamHost.NewJobId();

        // On a pty from `script`, with stdin redirected from the file inside it: stderr is a terminal, stdin is not.
        static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var words = new[] { host.Cli.FileName }.Concat(host.Cli.LeadingArguments).Concat(host.Arguments("run", ["--", "wc -c"], ["--detach", "--id", id, "--shell", "/bin/sh"]));
        var psi = new ProcessStartInfo(script);
        foreach (var arg in (string[])["-q", "-f", "-e", "-c", string.Join(' ', words.Select(Quote)) + " <" + Quote(path), "/dev/null"])
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in host.Cli.BaseEnvironment)
        {
            psi.Environment[name] = value;
        }

        psi.Environment["TERM"] = "xterm-256color";
        var result = await CliProcess.RunAsync(psi, TimeSpan.FromSeconds(75));

        Assert.True(result.ExitCode == 0, result.ToString());
        output.WriteLine(result.StdoutText.Replace("\r", "<CR>", StringComparison.Ordinal).Replace("\u001b", "<ESC>", StringComparison.Ordinal));
        Assert.Contains("\rsessionkeeper: stdin uploaded: 20.0 MiB (", result.StdoutText, StringComparison.Ordinal);
        Assert.DoesNotContain("\\r", result.StdoutText, StringComparison.Ordinal); // drawn, not shown escaped
        Assert.EndsWith($"MiB/s)\u001b[K\r\n{id}\r\n", result.StdoutText, StringComparison.Ordinal); // the line ended, then the id
        Assert.Equal(20 << 20, new FileInfo(Path.Combine(host.JobDir(id), "in")).Length);
        File.Delete(path);
    }

    [Fact(Timeout = 240_000)]
    public async Task Two_hundred_MiB_of_stdin_arrive_once_through_five_drops_in_bounded_memory()
    {
        // The CLI's own floor (runtime, SSH, a job started and followed), with one byte of stdin;
        // on top of it the upload may hold one call's unacknowledged bytes, the reader's queue,
        // and the same fixed allowance for the runtime's heap growth as the output's test.
        var baseline = await TinyRunPeakMiB();
        var limitMiB = baseline + ((StdinUploaderWindowBytes + (16 * 64 * 1024)) / (1024.0 * 1024)) + AllowanceMiB;
        var path = Path.Combine(host.Sshd.TempDir, $"stdin-{Guid.NewGuid():N}");
        await using (var file = File.Create(path))
        {
            var buffer = new byte[1 << 20];
            for (var i = 0; i < Size >> 20; i++)
            {
                RandomNumberGenerator.Fill(buffer);
                await file.WriteAsync(buffer);
            }
        }

        string localSha;
        await using (var file = File.OpenRead(path))
        {
            localSha = Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
        }

        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var id = StreamHost.NewJobId();
        var spool = Path.Combine(host.JobDir(id), "in");
        var clock = Stopwatch.StartNew();
        await using var cli = StartWithStdin(path, "run", ["--", "sha256sum"], ["-v", "--id", id, "--shell", "/bin/sh", "--heartbeat", "200ms", "--dead-after", "1s", "--max-backoff", "300ms"], proxy);
        await using var memory = new PeakMemory(cli.Pid);

        string[] drops = LinkDrops.FiveDrops;
        await LinkDrops.UploadThroughAsync(drops, Size, spool, proxy, cli, host.Sshd);

        var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(120));
        var peak = memory.PeakMiB;
        output.WriteLine($"{Size >> 20} MiB of stdin in {clock.Elapsed.TotalSeconds:0.0} s through {string.Join(", ", drops)}; CLI peak memory (VmHWM) {peak:0.0} MiB (tiny run {baseline:0.0} MiB; limit {limitMiB:0.0} MiB)");
        output.WriteLine(result.Stderr);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"{localSha}  -\n", result.StdoutText);
        Assert.Equal(Size, new FileInfo(spool).Length);
        Assert.Equal(Size.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(host.JobDir(id), "in.eof")).Trim());
        Assert.InRange(peak, 1, limitMiB);
        File.Delete(path);
    }

    /// <summary>The peak memory of a run given one byte of stdin: the runtime's and the connections' own floor.</summary>
    private async Task<double> TinyRunPeakMiB()
    {
        var path = Path.Combine(host.Sshd.TempDir, $"stdin-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(path, "x");
        double peak;
        await using (var cli = StartWithStdin(path, "run", ["--", "cat"], ["--shell", "/bin/sh"]))
        {
            await using var memory = new PeakMemory(cli.Pid);
            var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 0 && result.StdoutText == "x", result.ToString());
            peak = memory.PeakMiB;
        }

        File.Delete(path);
        return peak;
    }

    [Fact(Timeout = 240_000)]
    public async Task A_tar_stream_through_three_drops_unpacks_to_an_identical_tree()
    {
        // A tree of files of random sizes (some empty, some of several MiB), packed as `tar c` would be piped in.
        var source = Directory.CreateTempSubdirectory("sk-tar-src-").FullName;
        var random = new Random(20261203);
        for (var i = 0; i < 60; i++)
        {
            var dir = Path.Combine(source, $"d{i % 7}", $"e{i % 3}");
            Directory.CreateDirectory(dir);
            var length = i % 10 == 0 ? 0 : random.Next(1, i % 4 == 0 ? 4 << 20 : 64 << 10);
            await File.WriteAllBytesAsync(Path.Combine(dir, $"f{i}.bin"), RandomNumberGenerator.GetBytes(length));
        }

        var tarPath = Path.Combine(host.Sshd.TempDir, $"tree-{Guid.NewGuid():N}.tar");
        var packed = await CliProcess.RunAsync(new ProcessStartInfo("tar") { ArgumentList = { "cf", tarPath, "-C", source, "." } }, TimeSpan.FromSeconds(60));
        Assert.True(packed.ExitCode == 0, packed.ToString());
        var parent = Path.Combine(host.Sshd.TempDir, $"tar-dst-{Guid.NewGuid():N}");
        Directory.CreateDirectory(parent);
        File.SetUnixFileMode(parent, (UnixFileMode)0b111_111_111); // the job's login user makes its directory here
        var target = Path.Combine(parent, "tree");
        var size = new FileInfo(tarPath).Length;

        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var id = StreamHost.NewJobId();
        var spool = Path.Combine(host.JobDir(id), "in");
        await using var cli = StartWithStdin(tarPath, "run", ["--", $"mkdir '{target}' && tar xf - -C '{target}'"], ["-v", "--id", id, "--shell", "/bin/sh", "--heartbeat", "200ms", "--dead-after", "1s", "--max-backoff", "300ms"], proxy);
        var victims = new HashSet<int>();
        string[] drops = ["proxy reset", "sshd SIGKILL", "proxy black hole"];
        for (var i = 0; i < drops.Length; i++)
        {
            var at = size * (i + 1) / (drops.Length + 1);
            await Poll.UntilAsync(() => SpoolLength(spool) >= at || cli.HasExited, TimeSpan.FromSeconds(90), $"{at} bytes in the spool");
            if (cli.HasExited)
            {
                break; // a fast machine uploaded everything first: the tree is still compared below
            }

            await DropAsync(drops[i], proxy, cli, victims);
        }

        var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(size, new FileInfo(spool).Length);
        Assert.Equal(TreeDigest(source), TreeDigest(target));
        Directory.Delete(source, recursive: true);
        File.Delete(tarPath);
    }

    /// <summary>Every file of a tree as "relative path, size, SHA-256", in order.</summary>
    private static List<string> TreeDigest(string root) =>
        [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => $"{Path.GetRelativePath(root, f)} {new FileInfo(f).Length} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))}")
            .Order(StringComparer.Ordinal)];

    private Task DropAsync(string drop, FaultProxy proxy, CliProcess cli, HashSet<int> victims) =>
        LinkDrops.DropAsync(drop, proxy, cli, host.Sshd, victims);

    private static long SpoolLength(string path) => LinkDrops.SpoolLength(path);

    private CliProcess StartWithStdin(string stdinPath, string verb, string[] arguments, string[]? options = null, FaultProxy? proxy = null) =>
        host.StartWithStdin(stdinPath, verb, arguments, options, proxy);

    private async Task<CliResult> RunWithStdinAsync(string stdinPath, string verb, string[] arguments, string[]? options = null)
    {
        await using var cli = StartWithStdin(stdinPath, verb, arguments, options);
        return await cli.WaitForResultAsync(TimeSpan.FromSeconds(60));
    }
}
