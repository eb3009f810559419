using System.Text.Json;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>`jobs --json` names the local files that hold a job's stdout and stderr, and they hold them.</summary>
public sealed class JobsJsonTests(JobsHost host) : IClassFixture<JobsHost>
{
    [Fact(Timeout = 60_000)]
    public async Task Jobs_json_lists_the_stdout_and_stderr_mirror_files_of_a_job()
    {
        var id = JobsHost.NewJobId("mf");
        var run = await host.RunAsync("run", ["--", "echo to-stdout; echo to-stderr >&2"], ["--id", id, "--shell", "/bin/sh"]);
        Assert.True(run.ExitCode == 0, run.ToString());

        var jobs = await host.Cli.RunAsync(["jobs", "--json"]);

        Assert.True(jobs.ExitCode == 0, jobs.ToString());
        using var document = JsonDocument.Parse(jobs.StdoutText);
        var job = Assert.Single(document.RootElement.EnumerateArray(), j => j.GetProperty("id").GetString() == id);
        Assert.Equal(JsonValueKind.Null, job.GetProperty("mirror").ValueKind);
        var files = job.GetProperty("mirror_files");
        Assert.Equal("to-stdout\n", File.ReadAllText(files.GetProperty("stdout").GetString()!));
        Assert.Equal("to-stderr\n", File.ReadAllText(files.GetProperty("stderr").GetString()!));
        Assert.StartsWith(host.LocalStateDir + "/mirrors/", files.GetProperty("stdout").GetString(), StringComparison.Ordinal);
    }
}
