using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// The local state directory: its files are the user's alone whatever the umask, a journal deleted
/// under a running `run` does not cost the job's exit code, and a read-only state directory still
/// lets `jobs` read it.
/// </summary>
public sealed class StateDirTests(SupervisionHost host, ITestOutputHelper output) : IClassFixture<SupervisionHost>
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = Private | UnixFileMode.UserExecute;
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 180_000)]
    public async Task Every_file_in_an_existing_0755_state_dir_is_private_under_umask_000_and_the_dir_is_warned_about()
    {
        var workstation = host.NewWorkstation("umask");
        File.SetUnixFileMode(workstation.StateDir, (UnixFileMode)Convert.ToInt32("755", 8));
        var cli = new CliRunner("/bin/sh", ["-c", "umask 000; exec \"$@\"", "sh", DotnetHost.Locate(), CliRunner.LocateSessionKeeperDll()]);
        var env = new Dictionary<string, string?> { ["SESSIONKEEPER_STATE_DIR"] = workstation.StateDir };
        var id = SupervisionHost.NewJobId("umask");
        var gate = host.TempFile(id + ".go");

        await using (var run = cli.Start(host.RunArguments(id, $"echo SECRET=hunter2; while [ ! -e '{gate}' ]; do sleep 0.1; done; exit 0", SupervisionHost.Fast), env))
        {
            // While the job runs the journal's WAL and SHM and the mirror's lock exist.
            await Poll.UntilAsync(() => workstation.MirrorLength(id) > 0, Step, () => $"the mirror of {id} to fill\n{run.StderrText}");
            AssertPrivate(workstation.StateDir);
            await File.WriteAllTextAsync(gate, "");
            var result = await run.WaitForResultAsync(Step);
            output.WriteLine($"run: {result}");
            Assert.True(result.ExitCode == 0, result.ToString());
            var warning = Assert.Single(result.Stderr.Split('\n'), l => l.Contains("readable by others", StringComparison.Ordinal));
            Assert.Contains(workstation.StateDir, warning, StringComparison.Ordinal);
        }

        var jobs = await cli.RunAsync(["jobs"], env, Step);
        Assert.True(jobs.ExitCode == 0, jobs.ToString());
        AssertPrivate(workstation.StateDir);
        Assert.Equal((UnixFileMode)Convert.ToInt32("755", 8), File.GetUnixFileMode(workstation.StateDir));
    }

    [Fact(Timeout = 180_000)]
    public async Task A_journal_deleted_while_the_job_runs_still_gives_the_jobs_exit_code_with_a_warning()
    {
        var workstation = host.NewWorkstation("vanish");
        var id = SupervisionHost.NewJobId("vanish");
        var gate = host.TempFile(id + ".go");
        await using var run = workstation.Start(host.RunArguments(id, $"echo started; while [ ! -e '{gate}' ]; do sleep 0.1; done; echo done; exit 6", SupervisionHost.Fast));
        await run.WaitForStdoutAsync("started\n", Step);
        await workstation.WaitForJournalAsync(j => j.Any(e => e.Id == id && e.State == "running"), Step, $"{id} running");

        foreach (var file in new[] { workstation.JournalPath, workstation.JournalPath + "-wal", workstation.JournalPath + "-shm" })
        {
            File.Delete(file);
        }

        await File.WriteAllTextAsync(gate, "");
        var result = await run.WaitForResultAsync(Step);
        output.WriteLine($"run: {result}");
        Assert.True(result.ExitCode == 6, result.ToString());
        Assert.Equal("started\ndone\n", result.StdoutText);
        Assert.Contains("vanished", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("no such table", result.Stderr, StringComparison.Ordinal);

        // The journal is usable again afterwards.
        var jobs = await workstation.RunAsync(["jobs"], timeout: Step);
        Assert.True(jobs.ExitCode == 0, jobs.ToString());
    }

    [Fact(Timeout = 180_000)]
    public async Task Jobs_reads_a_read_only_state_dir()
    {
        Assert.True(TestUsers.IsRoot, "this test runs the CLI as another user and needs root");
        var user = await TestUsers.EnsureUserWithShellAsync("/bin/sh");
        var workstation = host.NewWorkstation("ro-source");
        var id = SupervisionHost.NewJobId("ro");
        var run = await workstation.RunAsync(host.RunArguments(id, "echo hello; exit 4", SupervisionHost.Fast), timeout: Step);
        Assert.True(run.ExitCode == 4, run.ToString());

        // A copy of that state directory, owned by the user, then made read-only to it.
        var parent = Path.Combine(Path.GetTempPath(), "sk-ro-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(parent);
        File.SetUnixFileMode(parent, (UnixFileMode)Convert.ToInt32("755", 8));
        var state = Path.Combine(parent, "state");
        try
        {
            Copy(workstation.StateDir, state);
            await RunToolAsync("chown", "-R", $"{user}:{user}", state);
            foreach (var dir in Directory.EnumerateDirectories(state, "*", SearchOption.AllDirectories).Prepend(state))
            {
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            }

            foreach (var file in Directory.EnumerateFiles(state, "*", SearchOption.AllDirectories))
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead);
            }

            output.WriteLine(string.Join('\n', Directory.EnumerateFileSystemEntries(state, "*", SearchOption.AllDirectories)));
            var cli = new CliRunner("/usr/bin/setpriv", [$"--reuid={user}", $"--regid={user}", "--init-groups", DotnetHost.Locate(), CliRunner.LocateSessionKeeperDll()]);
            var env = new Dictionary<string, string?>
            {
                ["SESSIONKEEPER_STATE_DIR"] = state,
                ["HOME"] = parent,
                ["DOTNET_CLI_HOME"] = parent,
            };
            foreach (string[] args in (string[][])[["jobs"], ["jobs", "--json"]])
            {
                var jobs = await cli.RunAsync(args, env, Step);
                output.WriteLine($"{string.Join(' ', args)}: {jobs}");
                Assert.True(jobs.ExitCode == 0, jobs.ToString());
                Assert.Contains(id, jobs.StdoutText, StringComparison.Ordinal);
            }

            var json = await cli.RunAsync(["jobs", "--json"], env, Step);
            var entry = Assert.Single(JournalEntry.ParseArray(json.StdoutText), e => e.Id == id);
            Assert.Equal(("exited", 4), (entry.State, entry.ExitCode));
        }
        finally
        {
            await RunToolAsync("chmod", "-R", "u+w", parent);
            Directory.Delete(parent, recursive: true);
        }
    }

    private static void AssertPrivate(string stateDir)
    {
        var wide = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(stateDir, "*", SearchOption.AllDirectories))
        {
            UnixFileMode mode;
            try
            {
                mode = File.GetUnixFileMode(entry);
            }
            catch (FileNotFoundException)
            {
                continue;
            }

            var wanted = Directory.Exists(entry) ? PrivateDirectory : Private;
            if (mode != wanted)
            {
                wide.Add($"{entry}: {Convert.ToString((int)mode, 8)}");
            }
        }

        Assert.True(wide.Count == 0, "not private:\n" + string.Join('\n', wide));
        Assert.Contains(Path.Combine(stateDir, "journal.db"), Directory.EnumerateFiles(stateDir));
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }

    private static async Task RunToolAsync(string tool, params string[] args)
    {
        var result = await new CliRunner(tool).RunAsync(args, timeout: Step);
        Assert.True(result.ExitCode == 0, $"{tool} {string.Join(' ', args)}: {result}");
    }
}
