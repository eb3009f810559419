using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Journal;

/// <summary>
/// A batch stopped (SIGTERM, Ctrl-C) before all its hosts were sent anything: one row records the
/// stop, and every host still planned reads as not launched through it, for every reader (resume,
/// the daemon, batch status, jobs), while the hosts that were sent something keep their phase.
/// The same on both stores: <see cref="SqliteBatchStopTests"/>, <see cref="PostgresBatchStopTests"/>.
/// </summary>
public abstract class BatchStopTests : IDisposable
{
    protected static readonly DateTimeOffset Planned = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000);
    protected static readonly DateTimeOffset Stopped = Planned.AddMinutes(1);
    private readonly TempDir _dir = new();

    /// <summary>--journal for this store.</summary>
    protected abstract string Journal { get; }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
    }

    private protected JobJournal Open() => JobJournal.Open(_dir.Path, Journal);

    protected static JournalJob NewJob(string id, string batch, DateTimeOffset created) => new()
    {
        Id = JobId.Parse(id),
        Endpoint = new JobEndpoint("deploy", id, 22, ["/k"], ["/kh"], TimeSpan.FromSeconds(5)),
        Cookie = JobCookie.New(),
        Spec = new JobSpec("true", null, [], null, null, TimeSpan.FromSeconds(3)),
        CreatedAt = created,
        BatchId = batch,
    };

    [SkippableFact]
    public void Stopping_a_batch_writes_one_row_and_its_unsent_hosts_read_as_not_launched()
    {
        var journal = Open();
        journal.AddIntents([.. Enumerable.Range(1, 1000).Select(i => NewJob($"big-{i:0000}", "big", Planned))]);
        journal.AddIntent(NewJob("other-1", "other", Planned));
        journal.MarkSending(JobId.Parse("big-0001"));
        journal.RecordStatus(JobId.Parse("big-0002"), new JobStatus { Id = JobId.Parse("big-0002"), State = JobState.Running, Pid = 7, ProcessGroup = 7, StartTime = 1, BootId = "b" }, Planned);
        journal.RecordNotLaunched(JobId.Parse("big-0003"), "host key refused");
        journal.RecordSkipped(JobId.Parse("big-0004"), "--max-failures reached");

        // One row, not one per host: a 100,000-host batch stops as fast as a small one.
        Assert.Equal(1, journal.RecordBatchNotLaunched("big", "interrupted before the launch request was sent", Stopped));

        var batch = journal.Batch("big").ToDictionary(j => j.Id);
        Assert.Equal(JournalPhase.Intent, batch[JobId.Parse("big-0001")].Phase);
        Assert.Equal(JournalPhase.Launched, batch[JobId.Parse("big-0002")].Phase);
        Assert.Equal((JournalPhase.NotLaunched, "host key refused"), (batch[JobId.Parse("big-0003")].Phase, batch[JobId.Parse("big-0003")].NotLaunchedReason));
        Assert.Equal((JournalPhase.Skipped, "--max-failures reached"), (batch[JobId.Parse("big-0004")].Phase, batch[JobId.Parse("big-0004")].NotLaunchedReason));
        Assert.All(batch.Values.Where(j => string.CompareOrdinal(j.Id.Value, "big-0005") >= 0), j =>
            Assert.Equal((JournalPhase.NotLaunched, "not-launched", "interrupted before the launch request was sent"), (j.Phase, j.StateText, j.NotLaunchedReason)));

        // Resume and the daemon carry on only what may have been sent; the other batch is untouched.
        Assert.Equal(["big-0001", "big-0002"], journal.Unfinished().Select(j => j.Id.Value));
        Assert.Equal(998, journal.NotStarted().Count(j => j.BatchId == "big"));
        Assert.Equal(JournalPhase.Planned, journal.Get(JobId.Parse("other-1"))!.Phase);
        Assert.Equal(JournalPhase.NotLaunched, journal.List().Single(j => j.Id.Value == "big-0999").Phase);
    }

    [SkippableFact]
    public void A_stopped_host_sent_later_by_batch_resume_is_an_intent_and_a_retry_journaled_after_the_stop_is_planned()
    {
        var journal = Open();
        journal.AddIntents([NewJob("b-1", "b", Planned), NewJob("b-2", "b", Planned)]);
        journal.RecordBatchNotLaunched("b", "interrupted before the launch request was sent", Stopped);

        // batch resume sends it: from then on it may have started, and resume completes it.
        journal.MarkSending(JobId.Parse("b-1"));
        Assert.Equal((JournalPhase.Intent, null), (journal.Get(JobId.Parse("b-1"))!.Phase, journal.Get(JobId.Parse("b-1"))!.NotLaunchedReason));
        Assert.Equal(["b-1"], journal.Unfinished().Select(j => j.Id.Value));

        // A job added to the batch after the stop (batch retry) is planned, not stopped.
        journal.AddIntent(NewJob("b-2-r2", "b", Stopped.AddSeconds(1)));
        Assert.Equal(JournalPhase.Planned, journal.Get(JobId.Parse("b-2-r2"))!.Phase);
        Assert.Equal(JournalPhase.NotLaunched, journal.Get(JobId.Parse("b-2"))!.Phase);

        // Stopped again: the stop covers it too.
        journal.RecordBatchNotLaunched("b", "interrupted before the launch request was sent", Stopped.AddSeconds(2));
        Assert.Equal(JournalPhase.NotLaunched, journal.Get(JobId.Parse("b-2-r2"))!.Phase);
    }
}

public sealed class SqliteBatchStopTests : BatchStopTests
{
    protected override string Journal => JobJournal.Embedded;

    [Fact]
    public void A_journal_of_schema_version_5_migrates_and_keeps_its_phases()
    {
        var journal = Open();
        journal.AddIntents([NewJob("v5-1", "v5", Planned), NewJob("v5-2", "v5", Planned), NewJob("v5-3", "v5", Planned)]);
        journal.RecordNotLaunched(JobId.Parse("v5-2"), "interrupted before the launch request was sent");
        journal.MarkSending(JobId.Parse("v5-3"));
        // What version 5 wrote: the same rows, no batch_stops table, the endpoint in columns of its
        // own (schema 7 moved it into target_json), no names (schema 8), no leases and no answers (schema 9), no capacities and refusals (schema 10).
        journal.Run(c =>
        {
            using var downgrade = c.CreateCommand();
            downgrade.CommandText = """
                DROP TABLE batch_stops;
                DROP TABLE daemons;
                DROP TABLE daemon_refusals;
                ALTER TABLE jobs DROP COLUMN lease_owner;
                ALTER TABLE jobs DROP COLUMN lease_token;
                ALTER TABLE jobs DROP COLUMN lease_expires_at;
                ALTER TABLE jobs DROP COLUMN name;
                ALTER TABLE jobs DROP COLUMN answer_json;
                ALTER TABLE jobs ADD COLUMN identity_files TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE jobs ADD COLUMN known_hosts_files TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE jobs ADD COLUMN connect_timeout_ms INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE jobs ADD COLUMN ssh_settings TEXT;
                UPDATE jobs SET identity_files = json_extract(target_json, '$.identityFiles'), known_hosts_files = json_extract(target_json, '$.knownHostsFiles'),
                    connect_timeout_ms = 5000, ssh_settings = json_extract(target_json, '$.settings');
                ALTER TABLE jobs DROP COLUMN transport;
                ALTER TABLE jobs DROP COLUMN target_json;
                UPDATE meta SET value = '5' WHERE key = 'schema_version';
                """;
            return downgrade.ExecuteNonQuery();
        });

        var migrated = Open();

        Assert.Equal(JournalSchema.Current, migrated.Run(c =>
        {
            using var version = c.CreateCommand();
            version.CommandText = "SELECT value FROM meta WHERE key = 'schema_version'";
            return int.Parse((string)version.ExecuteScalar()!, System.Globalization.CultureInfo.InvariantCulture);
        }));
        Assert.Equal(JournalPhase.Planned, migrated.Get(JobId.Parse("v5-1"))!.Phase);
        Assert.Equal((JournalPhase.NotLaunched, "interrupted before the launch request was sent"), (migrated.Get(JobId.Parse("v5-2"))!.Phase, migrated.Get(JobId.Parse("v5-2"))!.NotLaunchedReason));
        Assert.Equal(["v5-3"], migrated.Unfinished().Select(j => j.Id.Value));
        Assert.Equal(1, migrated.RecordBatchNotLaunched("v5", "interrupted", Stopped));
        Assert.Equal(JournalPhase.NotLaunched, migrated.Get(JobId.Parse("v5-1"))!.Phase);
    }
}

[Collection(PostgresServer.Name)]
public sealed class PostgresBatchStopTests(PostgresCluster cluster) : BatchStopTests
{
    private string? _url;

    protected override string Journal => _url ??= cluster.NewDatabase();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _url is not null)
        {
            cluster.DropDatabase(_url);
        }

        base.Dispose(disposing);
    }
}
