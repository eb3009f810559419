using System.Text.RegularExpressions;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.IntegrationTests.Infrastructure;
using SessionKeeper.IntegrationTests.Streaming;

namespace SessionKeeper.IntegrationTests.Keeper;

/// <summary>
/// The README's first C# block is a program a C# user can copy: it is the sample project's
/// Program.cs, verbatim, compiled against the packed SessionKeeper package (see
/// <see cref="PackedSample"/>), and it runs against a real sshd through a connection that is cut
/// in the middle of the job: the output arrives exactly once, the drop and the reconnection are
/// events, and the job's exit code comes back, recorded in the journal the CLI reads.
/// </summary>
public sealed partial class ReadmeSampleTests(StreamHost host) : IClassFixture<StreamHost>
{
    [Fact]
    public void The_readmes_first_csharp_block_is_the_sample_program()
    {
        var root = RepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var block = FirstCSharpBlock().Match(readme);
        Assert.True(block.Success, "README.md has no ```csharp block");

        var program = File.ReadAllText(Path.Combine(root, "integration", "SessionKeeper.Sample", "Program.cs"));
        Assert.Equal(program.TrimEnd(), block.Groups["code"].Value.TrimEnd());
    }

    // Packing the library and building the sample against it come first (minutes on a busy machine).
    [Fact(Timeout = 600_000)]
    public async Task The_sample_follows_a_job_through_a_cut_and_returns_its_exit_code()
    {
        using var packed = await PackedSample.BuildAsync(RepositoryRoot());
        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var home = Directory.CreateTempSubdirectory("sk-sample-home-").FullName;
        var gate = Path.Combine(Path.GetTempPath(), "sk-sample-gate-" + Guid.NewGuid().ToString("N"));
        try
        {
            var ssh = Directory.CreateDirectory(Path.Combine(home, ".ssh")).FullName;
            var config = Path.Combine(ssh, "config");
            File.WriteAllText(config, host.Sshd.HostBlockVia("web1", proxy));
            var sample = new CliRunner(DotnetHost.Locate(), [packed.Dll]);
            var environment = new Dictionary<string, string?>
            {
                ["HOME"] = home,
                ["XDG_STATE_HOME"] = null,
                ["SESSIONKEEPER_STATE_DIR"] = null,
                ["SSH_AUTH_SOCK"] = null,
            };
            var command = $"echo first; echo oops >&2; while [ ! -e {gate} ]; do sleep 0.1; done; echo second; echo late >&2; exit 3";

            await using var run = sample.Start(["web1", command, config], environment);
            await run.WaitForStdoutAsync("first\n", TimeSpan.FromSeconds(60));
            var cut = proxy.ResetAll();
            await Poll.UntilAsync(() => run.StderrText.Contains("link lost at byte ", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the sample reports the drop");
            File.WriteAllText(gate, "");

            var result = await run.WaitForResultAsync(TimeSpan.FromSeconds(120));
            Assert.True(result.ExitCode == 3, result.ToString());
            Assert.True(cut > 0, "the proxy had no connection to cut");
            Assert.Equal("first\nsecond\n", result.StdoutText);

            // The job's stderr on the sample's stderr, each line once, beside the sample's own lines.
            var stderrLines = result.Stderr.Split('\n');
            Assert.Equal(1, stderrLines.Count(l => l == "oops"));
            Assert.Equal(1, stderrLines.Count(l => l == "late"));
            Assert.Contains("reconnected after", result.Stderr, StringComparison.Ordinal);

            var journal = JobJournal.OpenForReading(Path.Combine(home, ".local", "state", "sessionkeeper"));
            var job = Assert.Single(journal.List());
            Assert.Equal(JournalPhase.Finished, job.Phase);
            Assert.Equal((JobState.Exited, 3), (job.LastStatus!.State, job.LastStatus.ExitCode));
        }
        finally
        {
            File.Delete(gate);
            Directory.Delete(home, recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SessionKeeper.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no SessionKeeper.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FirstCSharpBlock();
}
