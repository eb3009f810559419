using System.Diagnostics;
using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// Bad input gets one clear line on stderr ("sessionkeeper: ..."), no stack trace, a distinct exit
/// code, and deletes nothing, locally or on the target.
/// </summary>
public sealed class BadInputTests(JobsHost host) : IClassFixture<JobsHost>
{
    [Theory(Timeout = 60000)]
    [InlineData("status")]
    [InlineData("ps")]
    public async Task An_unknown_host_name_is_unreachable(string verb)
    {
        string[] job = verb == "ps" ? [] : ["some-job"];

        var result = await host.Cli.RunAsync([verb, .. host.ConnectionOptions(), "nobody@sk-no-such-host.invalid", .. job]);

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("sk-no-such-host.invalid", CliAssert.SingleErrorLine(result), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_port_nobody_listens_on_is_unreachable()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var result = await host.Cli.RunAsync(["ps", "-p", port.ToString(CultureInfo.InvariantCulture), "-i", host.Sshd.UserKeyPath,
            "--known-hosts", host.Sshd.KnownHostsPath, host.Destination()]);

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("refused", CliAssert.SingleErrorLine(result), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_key_the_server_does_not_accept_is_an_authentication_failure()
    {
        var id = await host.FinishedJobAsync();
        var stranger = Path.Combine(host.Sshd.TempDir, $"stranger-{Guid.NewGuid():N}");
        await SshKeyGen.GenerateAsync(stranger, "ed25519", CancellationToken.None);
        var before = Snapshot();

        var result = await host.Cli.RunAsync(["rm", "-p", host.Sshd.Port.ToString(CultureInfo.InvariantCulture), "-i", stranger,
            "--known-hosts", host.Sshd.KnownHostsPath, host.Destination(), id]);

        Assert.Equal(253, result.ExitCode);
        CliAssert.SingleErrorLine(result);
        Assert.Equal(before, Snapshot());
    }

    [Theory(Timeout = 60000)]
    [InlineData("status")]
    [InlineData("wait")]
    [InlineData("kill")]
    [InlineData("rm")]
    [InlineData("logs")]
    public async Task An_unknown_job_id_is_job_not_found(string verb)
    {
        await host.FinishedJobAsync();
        var before = Snapshot();

        var result = await host.RunAsync(verb, ["sk-no-such-job"]);

        Assert.Equal(252, result.ExitCode);
        Assert.Contains("sk-no-such-job", CliAssert.SingleErrorLine(result), StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Theory(Timeout = 60000)]
    [InlineData("rm", "../victim")]
    [InlineData("rm", "..")]
    [InlineData("rm", "a/b")]
    [InlineData("kill", "../../sessionkeeper/victim")]
    [InlineData("status", "/etc")]
    [InlineData("wait", "..")]
    [InlineData("attach", "../victim")]
    public async Task An_id_with_a_slash_or_dots_is_invalid_input(string verb, string id)
    {
        // Something for a path traversal to hit: a sibling of the jobs directory, and a real job.
        await host.FinishedJobAsync();
        var victim = Path.Combine(Path.GetDirectoryName(host.RemoteJobsDir)!, "victim");
        Directory.CreateDirectory(victim);
        File.WriteAllText(Path.Combine(victim, "precious"), "keep me");
        var before = Snapshot();

        var result = await host.RunAsync(verb, [id]);

        Assert.Equal(251, result.ExitCode);
        Assert.Contains("invalid job id", CliAssert.SingleErrorLine(result), StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [SkippableTheory(Timeout = 60000)]
    [InlineData("status")]
    [InlineData("kill")]
    [InlineData("rm")]
    public async Task A_job_directory_owned_by_someone_else_is_refused_and_left_alone(string verb)
    {
        Prerequisite.Require(SshdFixture.IsRoot, "needs root to give a job directory to another user");
        var id = JobsHost.NewJobId("foreign");
        var dir = host.JobDir(id);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "pid"), "1\n");
        File.WriteAllText(Path.Combine(dir, "pgid"), "1\n");
        var chown = new ProcessStartInfo("chown", ["-R", "nobody", dir]);
        (await CliProcess.RunAsync(chown, TimeSpan.FromSeconds(10))).EnsureSuccess("chown");
        var before = Snapshot();

        var result = await host.RunAsync(verb, [id]);

        Assert.Equal(250, result.ExitCode);
        Assert.Contains("not a directory owned by you", CliAssert.SingleErrorLine(result), StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    /// <summary>Every file and directory below the remote state dir and the local state dir, with file contents.</summary>
    private string Snapshot()
    {
        var lines = new List<string>();
        foreach (var root in new[] { host.Sshd.RemoteStateDir, host.LocalStateDir })
        {
            foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
            {
                var info = new FileInfo(path);
                // A daemon's broker.sock (SK_TEST_BROKER=1) is a socket: its presence is what counts.
                // journal.db-shm is SQLite's shared-memory index of the WAL, not state: every reader
                // writes its read marks there, and SQLite rebuilds it from the WAL when it is gone.
                lines.Add(info.Attributes.HasFlag(FileAttributes.Directory) ? $"{path}/"
                    : Path.GetFileName(path) == "broker.sock" ? $"{path} (socket)"
                    : path.EndsWith(".db-shm", StringComparison.Ordinal) ? $"{path} (index)"
                    : $"{path} {Convert.ToHexString(File.ReadAllBytes(path))}");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }
}
