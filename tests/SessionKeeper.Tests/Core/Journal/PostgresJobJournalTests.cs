using System.Globalization;
using System.Text;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Tests.Core.Journal;

/// <summary>
/// The journal's tests on a real PostgreSQL server (a throwaway cluster, a database per test), and
/// what only a shared journal has: a URL that is wrong, a server that is not there.
/// </summary>
[Collection(PostgresServer.Name)]
public sealed class PostgresJobJournalTests(PostgresCluster cluster) : JobJournalTests
{
    private string? _url;

    protected override string Journal => _url ??= cluster.NewDatabase();

    protected override string EndpointCopiesSql => """
        SELECT transport, "user", host, port, target_json::jsonb #>> '{settings,jumpHosts,0,settings,jumpHosts,0,host}',
            target_json::jsonb ->> 'connectTimeout', strpos(target_json, '"label"')
        FROM jobs WHERE id = 'target-full'
        """;

    protected override void Dispose(bool disposing)
    {
        if (disposing && _url is not null)
        {
            cluster.DropDatabase(_url);
        }

        base.Dispose(disposing);
    }

    /// <summary>Every row of every table, in order: what "left untouched" means for a database.</summary>
    private protected override string Snapshot(JobJournal journal) => journal.Run(c =>
    {
        var text = new StringBuilder();
        foreach (var query in new[] { "SELECT * FROM meta ORDER BY key", "SELECT * FROM jobs ORDER BY id", "SELECT * FROM batch_stops ORDER BY batch" })
        {
            using var select = c.CreateCommand();
            select.CommandText = query;
            using var r = select.ExecuteReader();
            while (r.Read())
            {
                for (var i = 0; i < r.FieldCount; i++)
                {
                    var value = r.GetValue(i);
                    text.Append(value is byte[] bytes ? Convert.ToHexString(bytes) : Convert.ToString(value, CultureInfo.InvariantCulture)).Append('|');
                }

                text.Append('\n');
            }
        }

        return text.ToString();
    });

    protected override string Corruption(string name) => name switch
    {
        "not-json" => "target_json = 'not json'",
        "no-port" => "target_json = '{\"user\":\"u\",\"host\":\"h\"}'",
        "port-not-a-number" => "target_json = jsonb_set(target_json::jsonb, '{port}', '\"x\"')::text",
        "identity-files-null" => "target_json = jsonb_set(target_json::jsonb, '{identityFiles}', 'null')::text",
        "jump-host-without-host" => "target_json = jsonb_set(target_json::jsonb, '{settings}', '{\"jumpHosts\":[{\"user\":\"j\"}]}')::text",
        "array" => "target_json = '[]'",
        "json-null" => "target_json = 'null'",
        "sql-null" => "target_json = NULL",
        "unknown-transport" => "transport = 'carrier-pigeon'",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [SkippableFact]
    public void The_shared_journal_is_named_without_its_password_and_not_in_the_state_directory()
    {
        var url = Journal.Replace("postgres@", "postgres:s3cret@", StringComparison.Ordinal);
        var journal = JobJournal.Open(Dir.Path, url);
        journal.AddIntent(NewJob("shared-1"));
        Assert.True(journal.IsShared);
        Assert.DoesNotContain("s3cret", journal.Path, StringComparison.Ordinal);
        Assert.Equal(Journal, journal.Path);
        Assert.False(File.Exists(Path.Combine(Dir.Path, JobJournal.FileName)));
        Assert.Equal("shared-1", Assert.Single(JobJournal.Open(Path.Combine(Dir.Path, "elsewhere"), Journal).List()).Id.Value);
    }

    [SkippableFact]
    public void A_server_that_is_not_there_is_one_line_naming_it()
    {
        _ = Journal; // the cluster runs: the port below is one it does not listen on
        var port = FreePort();
        var error = Assert.Throws<SessionKeeperException>(() => JobJournal.Open(Dir.Path, $"postgresql://u:pw@127.0.0.1:{port}/db"));
        Assert.Equal(FailureKind.JournalUnavailable, error.Kind);
        Assert.StartsWith($"cannot reach the PostgreSQL journal postgresql://u@127.0.0.1:{port}/db: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_database_that_does_not_exist_and_a_role_that_does_not_are_named()
    {
        var url = Journal;
        var port = url.Split(':')[2].Split('/')[0];
        var noDatabase = Assert.Throws<SessionKeeperException>(() => JobJournal.Open(Dir.Path, $"postgresql://postgres@127.0.0.1:{port}/no_such_db"));
        Assert.Equal(FailureKind.JournalUnavailable, noDatabase.Kind);
        Assert.Contains("has no such database", noDatabase.Message, StringComparison.Ordinal);

        var noRole = Assert.Throws<SessionKeeperException>(() => JobJournal.Open(Dir.Path, $"postgresql://nobody_here@127.0.0.1:{port}/postgres"));
        Assert.Equal(FailureKind.JournalUnavailable, noRole.Kind);
        Assert.Contains("refused the login", noRole.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Two_processes_creating_the_journal_at_once_both_get_it()
    {
        var url = Journal;
        var opened = Enumerable.Range(0, 4).AsParallel().WithDegreeOfParallelism(4).Select(_ => JobJournal.Open(Dir.Path, url)).ToList();
        opened[0].AddIntent(NewJob("both"));
        Assert.All(opened, j => Assert.Equal("both", Assert.Single(j.List()).Id.Value));
    }

    [SkippableFact]
    public void A_database_with_other_tables_but_a_jobs_table_without_meta_is_refused_and_left_untouched()
    {
        var url = Journal;
        cluster.Execute(url[(url.LastIndexOf('/') + 1)..], "CREATE TABLE jobs (x int); INSERT INTO jobs VALUES (1)");
        var error = Assert.Throws<SessionKeeperException>(() => JobJournal.Open(Dir.Path, url));
        Assert.Equal(FailureKind.StateCorrupt, error.Kind);
        Assert.Contains("it is not a SessionKeeper journal", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_schema_8_journal_upgrades_to_leases_keeping_its_rows_unowned()
    {
        var url = Journal;
        var database = url[(url.LastIndexOf('/') + 1)..];
        cluster.Execute(database, SessionKeeper.Core.Journal.Stores.PostgresSchema.Version8 + """
            INSERT INTO jobs (id, "user", host, port, cookie, command, env, grace_s, phase, created_at, target_json, name, to_be_checked)
            VALUES ('v8-run', 'u', 'h', 22, 'c00k1e', 'sleep 600', '[]', 10, 'launched', 1796300100000,
                '{"user":"u","host":"h","port":22,"identityFiles":[],"knownHostsFiles":[],"connectTimeout":"00:00:03"}', 'web-1', 1);
            """);

        var journal = JobJournal.Open(Dir.Path, url);

        var row = journal.Run(c =>
        {
            using var select = c.CreateCommand();
            select.CommandText = """
                SELECT (SELECT value FROM meta WHERE key = 'schema_version'), id, name, phase, to_be_checked, lease_owner IS NULL, lease_token, lease_expires_at IS NULL,
                    (SELECT count(*) FROM daemons)
                FROM jobs
                """;
            using var r = select.ExecuteReader();
            Assert.True(r.Read());
            var values = string.Join('|', Enumerable.Range(0, r.FieldCount).Select(i => Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture)));
            Assert.False(r.Read());
            return values;
        });
        Assert.Equal($"{JournalSchema.Current}|v8-run|web-1|launched|1|True|0|True|0", row);
        Assert.Equal("web-1", Assert.Single(journal.Unfinished()).Name);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One PostgreSQL cluster for every test that needs one; its tests run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresServer : ICollectionFixture<PostgresCluster>
{
    public const string Name = "postgresql";
}
