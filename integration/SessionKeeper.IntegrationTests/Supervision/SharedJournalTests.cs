using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// A journal in PostgreSQL (a real throwaway cluster) through the CLI: a job run from one
/// workstation is seen by another that points at the same database, and a journal that cannot be
/// reached is one line and exit 237.
/// </summary>
[Collection(SupervisionTests.Name)]
public sealed class SharedJournalTests(SupervisionHost host, PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private readonly List<string> _databases = [];

    public void Dispose()
    {
        foreach (var url in _databases)
        {
            cluster.DropDatabase(url);
        }
    }

    [SkippableFact(Timeout = 120_000)]
    public async Task A_job_run_from_one_workstation_is_seen_by_another_on_the_same_journal()
    {
        var url = NewDatabase();
        var id = SupervisionHost.NewJobId("shared");
        var first = host.NewWorkstation("pg-a");
        var second = host.NewWorkstation("pg-b");

        var run = await first.RunAsync(["--journal", url, .. host.RunArguments(id, "echo shared-output; exit 3")]);
        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.False(File.Exists(first.JournalPath), "the shared journal left a journal.db in the state directory");

        var jobs = await second.RunAsync(["jobs", "--json"], new Dictionary<string, string?> { ["SESSIONKEEPER_JOURNAL"] = url });
        Assert.True(jobs.ExitCode == 0, jobs.ToString());
        var entry = Assert.Single(JournalEntry.ParseArray(jobs.StdoutText));
        Assert.Equal((id, "exited", "finished", (int?)3), (entry.Id, entry.State, entry.Phase, entry.ExitCode));

        var status = await second.RunAsync(["--journal", url, "status", .. host.ConnectionOptions(), id]);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("exited", status.StdoutText, StringComparison.Ordinal);

        // The second workstation's own journal knows nothing of it.
        var local = await second.RunAsync(["--journal", "sqlite", "jobs", "--json"]);
        Assert.Empty(JournalEntry.ParseArray(local.StdoutText));
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task A_journal_that_cannot_be_reached_is_one_line_and_exit_237()
    {
        var workstation = host.NewWorkstation("pg-down");
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var url = $"postgresql://alice:hunter2@127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/team";
        string[][] commands = [["jobs"], ["--journal", url, "jobs"], host.RunArguments(SupervisionHost.NewJobId("down"), "true")];
        foreach (var args in commands)
        {
            var result = await workstation.RunAsync(args, new Dictionary<string, string?> { ["SESSIONKEEPER_JOURNAL"] = url });
            Assert.True(result.ExitCode == 237, result.ToString());
            Assert.Equal($"sessionkeeper: cannot reach the PostgreSQL journal postgresql://alice@127.0.0.1:{port}/team: Connection refused.", result.Stderr.TrimEnd('\n'));
            Assert.Empty(result.StdoutText);
        }

        var malformed = await workstation.RunAsync(["--journal", "postgresql://", "jobs"]);
        Assert.True(malformed.ExitCode == 251, malformed.ToString());
        Assert.Single(malformed.Stderr.TrimEnd('\n').Split('\n'));
    }

    private string NewDatabase()
    {
        var url = cluster.NewDatabase();
        _databases.Add(url);
        return url;
    }
}
