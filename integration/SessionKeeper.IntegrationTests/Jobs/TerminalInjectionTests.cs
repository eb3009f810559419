using System.Text;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// `jobs`, `ps` and `status` print command texts that came from the user or, for `ps` and
/// `status`, from a target that may be hostile: their escape sequences, bells and carriage
/// returns must reach the operator's terminal as visible escapes, never as controls.
/// </summary>
public sealed class TerminalInjectionTests(JobsHost host) : IClassFixture<JobsHost>
{
    [Fact(Timeout = 60000)]
    public async Task A_command_text_with_controls_is_listed_escaped()
    {
        var id = await host.LaunchAsync("true '\u001b]0;pwned\u0007\u001b[2J\r' && exec sleep 300");

        foreach (var (verb, arguments, options) in new (string, string[], string[])[] { ("ps", [], []), ("status", [id], []) })
        {
            var result = await host.RunAsync(verb, arguments, options);
            Assert.True(result.ExitCode == 0, result.ToString());
            AssertVisible(result, verb);
            Assert.True(result.StdoutText.Contains("true '\\e]0;pwned\\x07\\e[2J\\r' && exec sleep 300", StringComparison.Ordinal), result.ToString());
        }

        var jobs = await host.Cli.RunAsync(["jobs"]);
        Assert.True(jobs.ExitCode == 0, jobs.ToString());
        AssertVisible(jobs, "jobs");
        Assert.Contains(jobs.StdoutText.Split('\n'), l => l.StartsWith(id, StringComparison.Ordinal) && l.EndsWith("true '\\e]0;pwned\\x07\\e[2J\\r' && exec sleep 300", StringComparison.Ordinal));
        await host.RunAsync("kill", [id], ["--grace", "1s"]);
    }

    [Fact(Timeout = 60000)]
    public async Task A_hostile_target_cannot_write_controls_to_the_terminal()
    {
        var id = await host.LaunchAsync("exec sleep 300");
        // The target rewrites the stored command: escape sequences, a C1 CSI, bytes that are not UTF-8.
        byte[] forged = [.. "\x1b]2;owned\a\x1b[31mred\r"u8, 0xc2, 0x9b, .. "1m"u8, 0xff, 0xfe];
        File.WriteAllBytes(Path.Combine(host.JobDir(id), "cmd"), forged);

        var ps = await host.RunAsync("ps", []);
        var status = await host.RunAsync("status", [id]);

        foreach (var (result, verb) in new[] { (ps, "ps"), (status, "status") })
        {
            Assert.True(result.ExitCode == 0, result.ToString());
            AssertVisible(result, verb);
            Assert.True(result.StdoutText.Contains("\\e]2;owned\\x07\\e[31mred\\r\\u009b1m", StringComparison.Ordinal), result.ToString());
        }

        await host.RunAsync("kill", [id], ["--grace", "1s"]);
    }

    [Fact(Timeout = 60000)]
    public async Task Long_ids_do_not_misalign_the_jobs_table()
    {
        var longId = JobsHost.NewJobId("a-rather-long-job-id-that-is-wider-than-the-column");
        await host.LaunchAsync("exit 0", id: longId);
        var shortId = await host.LaunchAsync("exit 0", id: JobsHost.NewJobId("s"));

        var jobs = await host.Cli.RunAsync(["jobs"]);
        Assert.True(jobs.ExitCode == 0, jobs.ToString());
        var lines = jobs.StdoutText.Split('\n');
        var header = lines[0];
        foreach (var id in new[] { longId, shortId })
        {
            var row = Assert.Single(lines, l => l.StartsWith(id + " ", StringComparison.Ordinal));
            Assert.Equal(header.IndexOf("HOST", StringComparison.Ordinal), row.IndexOf(host.Destination(), StringComparison.Ordinal));
            Assert.Equal(header.IndexOf("COMMAND", StringComparison.Ordinal), row.IndexOf("exit 0", StringComparison.Ordinal));
        }
    }

    private static void AssertVisible(Infrastructure.CliResult result, string verb)
    {
        foreach (var (stream, bytes) in new[] { ("stdout", result.Stdout), ("stderr", Encoding.UTF8.GetBytes(result.Stderr)) })
        {
            var bad = bytes.Where(b => b is < 0x20 and not (byte)'\n' and not (byte)'\t' or 0x7f).ToList();
            Assert.True(bad.Count == 0, $"{verb} wrote control bytes ({string.Join(' ', bad.Select(b => $"0x{b:x2}"))}) to {stream}: {result}");
            Assert.DoesNotContain(Encoding.UTF8.GetString(bytes), c => c is >= '\u0080' and <= '\u009f');
        }
    }
}
