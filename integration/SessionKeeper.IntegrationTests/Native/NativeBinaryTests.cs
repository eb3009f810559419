using System.Diagnostics;
using System.Text.Json;
using SessionKeeper.IntegrationTests.Infrastructure;
using SessionKeeper.IntegrationTests.Jobs;

namespace SessionKeeper.IntegrationTests.Native;

/// <summary>
/// The Native AOT binary works end to end against a real sshd: run (followed and detached), wait,
/// status, logs, jobs --json and the daemon. Trimming removes what nothing references, so a
/// reflection-bound path would fail here and nowhere else in the suite. Its fixture's publish
/// takes minutes of the suite's run (4 of 4.5 on a loaded 2-core machine): it starts first.
/// </summary>
[LongRunning(270)]
public sealed class NativeBinaryTests(NativeHost host, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<NativeHost>
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(60);

    [SkippableFact(Timeout = 120_000)]
    public async Task The_binary_is_native_not_a_dotnet_apphost()
    {
        Prerequisite.Require(host.Missing is null, host.Missing ?? "");

        // An ELF executable with no managed sessionkeeper.dll to load beside it.
        var header = new byte[4];
        await using (var file = File.OpenRead(host.Binary))
        {
            await file.ReadExactlyAsync(header);
        }

        Assert.Equal("\u007fELF"u8.ToArray(), header);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(host.Binary)!, "sessionkeeper.dll")), "a sessionkeeper.dll beside the binary: not an AOT publish");
        var version = await host.Cli.RunAsync(["--version"]);
        Assert.True(version.ExitCode == 0, version.ToString());
    }

    [SkippableFact(Timeout = 180_000)]
    public async Task A_job_runs_and_is_read_back_with_status_logs_and_jobs_json()
    {
        Prerequisite.Require(host.Missing is null, host.Missing ?? "");

        var followed = await host.RunAsync("run", ["--", "echo followed"], ["-v", "--shell", "/bin/sh"], timeout: Step);
        Assert.True(followed.ExitCode == 0, followed.ToString());
        Assert.Equal("followed\n", followed.StdoutText);

        // -v's connection line (logging works trimmed) names the key exchange: the test sshd
        // (OpenSSH 9.2) offers sntrup761x25519 first, and curve25519 is what we prefer.
        Assert.Matches(@"connected to [^\n]*, curve25519-sha256(@libssh\.org)?;", followed.Stderr);

        var id = await host.LaunchAsync("echo to-stdout; echo to-stderr >&2; exit 3");
        var wait = await host.RunAsync("wait", [id], timeout: Step);
        Assert.True(wait.ExitCode == 3, wait.ToString());

        var status = await host.StatusAsync(id);
        Assert.Equal(("exited", 3), (status.State, status.ExitCode));

        var logs = await host.RunAsync("logs", [id], ["--stdout"], timeout: Step);
        var stderr = await host.RunAsync("logs", [id], ["--stderr"], timeout: Step);
        Assert.True(logs.ExitCode == 0, logs.ToString());
        Assert.Equal("to-stdout\n", logs.StdoutText);
        Assert.True(stderr.ExitCode == 0, stderr.ToString());
        Assert.Equal("to-stderr\n", stderr.StdoutText);

        var jobs = await host.Cli.RunAsync(["jobs", "--json"], timeout: Step);
        Assert.True(jobs.ExitCode == 0, jobs.ToString());
        using var document = JsonDocument.Parse(jobs.StdoutText);
        var job = Assert.Single(document.RootElement.EnumerateArray(), j => j.GetProperty("id").GetString() == id);
        Assert.Equal("exited", job.GetProperty("state").GetString());
        Assert.Equal(3, job.GetProperty("exit_code").GetInt32());
    }

    /// <summary>
    /// The memory figure for stdin, on the binary a user runs: 200 MiB piped into `run`, through
    /// five drops of three kinds (proxy reset, SIGKILL of the sshd sessions, black hole), arrive once
    /// (the job's digest is the local one, the spool holds exactly 200 MiB) while the process never
    /// holds more than 100 MiB (VmHWM). StdinTests proves the same flow for the JIT build against a
    /// bound relative to its runtime's floor.
    /// </summary>
    [SkippableFact(Timeout = 300_000)]
    public async Task Two_hundred_MiB_of_stdin_through_five_drops_arrive_once_in_under_100_MiB()
    {
        Prerequisite.Require(host.Missing is null, host.Missing ?? "");
        const long Size = 200L << 20;
        var path = Path.Combine(host.Sshd.TempDir, $"stdin-{Guid.NewGuid():N}");
        await using (var file = File.Create(path))
        {
            var buffer = new byte[1 << 20];
            for (var i = 0; i < Size >> 20; i++)
            {
                System.Security.Cryptography.RandomNumberGenerator.Fill(buffer);
                await file.WriteAsync(buffer);
            }
        }

        string localSha;
        await using (var file = File.OpenRead(path))
        {
            localSha = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(file));
        }

        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var id = JobsHost.NewJobId("nat");
        var spool = Path.Combine(host.JobDir(id), "in");
        var inner = host.Cli.CreateStartInfo(
        [
            "run", "-v", "-p", proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", host.Sshd.UserKeyPath,
            "--known-hosts", host.Sshd.CreateKnownHostsFile(proxy.Port), "--connect-timeout", "15s", "--id", id, "--shell", "/bin/sh",
            "--heartbeat", "200ms", "--dead-after", "1s", "--max-backoff", "300ms", host.Destination(), "--", "sha256sum",
        ]);
        await using var cli = Streaming.StreamHost.StartRedirected(inner, "exec \"$@\" <\"$f\"", path);
        await using var memory = new Streaming.PeakMemory(cli.Pid);
        string[] drops = Streaming.LinkDrops.FiveDrops;
        await Streaming.LinkDrops.UploadThroughAsync(drops, Size, spool, proxy, cli, host.Sshd);

        var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(120));
        output.WriteLine($"200 MiB of stdin through {string.Join(", ", drops)}: native binary peak memory (VmHWM) {memory.PeakMiB:0.0} MiB");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"{localSha}  -\n", result.StdoutText);
        Assert.Equal(Size, SpoolLength(spool));
        Assert.InRange(memory.PeakMiB, 1, 100);
        File.Delete(path);
    }

    private static long SpoolLength(string path) => Streaming.LinkDrops.SpoolLength(path);

    [SkippableFact(Timeout = 180_000)]
    public async Task The_daemon_records_a_detached_jobs_end_and_stops_on_SIGTERM()
    {
        Prerequisite.Require(host.Missing is null, host.Missing ?? "");
        var id = await host.LaunchAsync("sleep 1; exit 4");

        await using var daemon = host.Cli.Start(["daemon"]);

        // Only the daemon talks to the host now: `jobs` reads the journal and nothing else, so the
        // end can reach the journal through the daemon alone.
        var job = await WaitForJournalAsync(id, j => j.GetProperty("state").GetString() == "exited", daemon);
        Assert.Equal(4, job.GetProperty("exit_code").GetInt32());
        Assert.True(daemon.Signal(PosixSignals.SIGTERM));
        var stopped = await daemon.WaitForResultAsync(Step);
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
    }

    private async Task<JsonElement> WaitForJournalAsync(string id, Func<JsonElement, bool> condition, CliProcess daemon)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var jobs = await host.Cli.RunAsync(["jobs", "--json"], timeout: Step);
            Assert.True(jobs.ExitCode == 0, jobs.ToString());
            using (var document = JsonDocument.Parse(jobs.StdoutText))
            {
                var job = document.RootElement.EnumerateArray().Single(j => j.GetProperty("id").GetString() == id);
                if (condition(job))
                {
                    return job.Clone();
                }
            }

            if (clock.Elapsed > Step)
            {
                throw new TimeoutException($"the daemon did not record the end of {id} within {Step.TotalSeconds} s; its stderr:\n{daemon.StderrText}");
            }

            await Task.Delay(Poll.DefaultInterval);
        }
    }
}
