using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>The job directory on the target: private, and what it stores is applied to the job.</summary>
public sealed class JobDirectoryTests(JobsHost host) : IClassFixture<JobsHost>
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDir = Private | UnixFileMode.UserExecute;

    [Fact(Timeout = 60000)]
    public async Task The_job_directory_and_its_files_are_private_and_env_and_cwd_apply()
    {
        var id = JobsHost.NewJobId("dir");
        var cwd = Path.Combine(host.Sshd.TempDir, $"cwd-{Guid.NewGuid():N}");
        Directory.CreateDirectory(cwd);

        var result = await host.RunAsync(
            "run",
            ["--", "printf '%s|%s\\n' \"$SK_SECRET\" \"$(pwd)\""],
            ["--id", id, "--shell", "/bin/sh", "--env", "SK_SECRET=s3cret value", "--cwd", cwd]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"s3cret value|{cwd}\n", result.StdoutText);
        var dir = host.JobDir(id);
        Assert.Equal(PrivateDir, File.GetUnixFileMode(dir));

        // Every file and directory in it, whichever layout wrote it (layout 3 keeps the cookie in
        // proto and the identity in ident; layout 2 has files of their own).
        foreach (var name in new[] { "proto", "cmd", "env", "cwd", "out", "err", "exit" })
        {
            Assert.True(File.Exists(Path.Combine(dir, name)), $"no {name} in the job directory");
        }

        Assert.True(JobDirFiles.HasIdentity(dir), "no identity record in the job directory");
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories))
        {
            var expected = Directory.Exists(entry) ? PrivateDir : Private;
            Assert.True(File.GetUnixFileMode(entry) == expected, $"{Path.GetRelativePath(dir, entry)} is {File.GetUnixFileMode(entry)}");
        }
    }

    [Fact(Timeout = 60000)]
    public async Task A_second_launch_with_a_taken_id_starts_nothing()
    {
        var id = await host.LaunchAsync("exec sleep 300");
        var first = host.RecordedIdentity(id);
        string[] again = ["run", .. host.ConnectionOptions(), "--detach", "--id", id, "--shell", "/bin/sh", host.Destination(), "--", "echo second copy"];
        var otherState = Path.Combine(host.Sshd.TempDir, $"other-state-{Guid.NewGuid():N}");

        // This workstation's journal knows the id; another workstation's does not, and the target refuses.
        var here = await host.Cli.RunAsync(again);
        var elsewhere = await host.Cli.RunAsync(again, new Dictionary<string, string?> { ["SESSIONKEEPER_STATE_DIR"] = otherState });

        Assert.Equal(251, here.ExitCode);
        Assert.Contains("already has a job", CliAssert.SingleErrorLine(here), StringComparison.Ordinal);
        Assert.Equal(251, elsewhere.ExitCode);
        Assert.Contains("already exists", CliAssert.SingleErrorLine(elsewhere), StringComparison.Ordinal);
        Assert.Equal(first, host.RecordedIdentity(id));
        Assert.True(ProcFs.IsAlive(first.Pid, first.StartTime));
        Assert.Equal("exec sleep 300", File.ReadAllText(Path.Combine(host.JobDir(id), "cmd")));
        Assert.Equal("", File.ReadAllText(Path.Combine(host.JobDir(id), "out")));
    }
}
