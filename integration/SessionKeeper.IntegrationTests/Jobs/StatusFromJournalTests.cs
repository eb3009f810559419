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

    /// <summary>
    /// With a broker socket in the state directory (as when a daemon runs), `status` of a job the
    /// journal recorded finished answers without a word to the socket, while `--refresh` goes to it.
    /// The socket here is the test's own listener, which counts its connections and closes each;
    /// the journal is a copy of this class's, in a state directory of the test's own (the class's
    /// may have a real daemon on its socket).
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_finished_job_s_status_sends_nothing_to_the_daemon_s_socket_and_refresh_does()
    {
        var id = JobId.New().Value;
        var run = await host.RunAsync("run", ["--", "exit 4"], ["--id", id, "--shell", "/bin/sh"]);
        var direct = await host.Cli.RunAsync(["status", id]);
        var away = Path.Combine(host.Sshd.TempDir, $"away-{id}");
        Directory.CreateDirectory(away, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var file in new[] { "journal.db", "journal.db-wal" })
        {
            var from = Path.Combine(host.LocalStateDir, file);
            if (File.Exists(from))
            {
                File.Copy(from, Path.Combine(away, file));
            }
        }

        var socketPath = Path.Combine(away, "broker.sock");
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(socketPath));
        File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        listener.Listen(16);
        var accepted = 0;
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var peer = await listener.AcceptAsync(stop.Token);
                Interlocked.Increment(ref accepted);
            }
        });
        var env = new Dictionary<string, string?> { ["SESSIONKEEPER_STATE_DIR"] = away };

        var answered = await host.Cli.RunAsync(["status", id], env);
        var quiet = Volatile.Read(ref accepted);
        await host.Cli.RunAsync(["status", "--refresh", id], env); // its outcome is the broker's business
        var refreshed = Volatile.Read(ref accepted);
        await stop.CancelAsync();
        try
        {
            await accepting;
        }
        catch (OperationCanceledException)
        {
        }

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.True(direct.ExitCode == 0, direct.ToString());
        Assert.Contains("\texited 4\t", direct.StdoutText, StringComparison.Ordinal);
        Assert.Equal((0, direct.StdoutText, direct.Stderr), (answered.ExitCode, answered.StdoutText, answered.Stderr));
        Assert.Equal(0, quiet);
        Assert.True(refreshed > 0, "status --refresh did not go to the broker socket, so the socket proves nothing");
    }

    /// <summary>`status` of <paramref name="id"/> through <paramref name="closed"/> instead of the sshd.</summary>
    private string[] Away(ClosedPort closed, string id, params string[] options) =>
    [
        "status", "-p", closed.Port.ToString(CultureInfo.InvariantCulture), "-i", host.Sshd.UserKeyPath, "--known-hosts", host.Sshd.KnownHostsPath,
        "--connect-timeout", "15s", .. options, host.Destination(), id,
    ];
}
