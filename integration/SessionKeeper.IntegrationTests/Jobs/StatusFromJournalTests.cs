using System.Globalization;
using SessionKeeper.Core.Jobs;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>`status` of a job whose end the journal recorded answers from the journal; `--refresh` asks the target.</summary>
public sealed class StatusFromJournalTests(JobsHost host) : IClassFixture<JobsHost>
{
    [Fact(Timeout = 120_000)]
    public async Task A_finished_job_s_status_is_the_same_while_its_host_is_unreachable_and_refresh_fails_as_unreachable()
    {
        var id = JobId.New().Value;
        var run = await host.RunAsync("run", ["--", "echo out; echo err >&2; exit 3"], ["--id", id, "--shell", "/bin/sh"]);
        var text = await host.RunAsync("status", [id], ["--refresh"]);
        var json = await host.RunAsync("status", [id], ["--json", "--refresh"]);
        using var closed = new ClosedPort();

        var awayText = await host.Cli.RunAsync(Away(closed, id));
        var awayJson = await host.Cli.RunAsync(Away(closed, id, "--json"));
        var refreshed = await host.Cli.RunAsync(Away(closed, id, "--refresh"));

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.True(text.ExitCode == 0 && json.ExitCode == 0, $"{text}\n{json}");
        Assert.Contains("\texited 3\t", text.StdoutText, StringComparison.Ordinal);
        Assert.Equal((0, text.StdoutText, text.Stderr), (awayText.ExitCode, awayText.StdoutText, awayText.Stderr));

        // The same answer, for the host as it was named this time (the closed port).
        var port = host.Sshd.Port.ToString(CultureInfo.InvariantCulture);
        var renamed = json.StdoutText.Replace($"@{host.Sshd.Host}:{port}\"", $"@{host.Sshd.Host}:{closed.Port.ToString(CultureInfo.InvariantCulture)}\"", StringComparison.Ordinal);
        Assert.NotEqual(json.StdoutText, renamed);
        Assert.Equal((0, renamed, json.Stderr), (awayJson.ExitCode, awayJson.StdoutText, awayJson.Stderr));

        Assert.True(refreshed.ExitCode == 255, refreshed.ToString());
        Assert.Contains("refused", CliAssert.SingleErrorLine(refreshed), StringComparison.Ordinal);
        Assert.Empty(refreshed.StdoutText);
    }

    /// <summary>`status` of <paramref name="id"/> through <paramref name="closed"/> instead of the sshd.</summary>
    private string[] Away(ClosedPort closed, string id, params string[] options) =>
    [
        "status", "-p", closed.Port.ToString(CultureInfo.InvariantCulture), "-i", host.Sshd.UserKeyPath, "--known-hosts", host.Sshd.KnownHostsPath,
        "--connect-timeout", "15s", .. options, host.Destination(), id,
    ];
}
