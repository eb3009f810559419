using System.Security.Cryptography;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Journal.Stores;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Journal;

/// <summary>The journal's tests on the embedded SQLite file, and what only a SQLite journal has: old files, a corrupt file.</summary>
public sealed class SqliteJobJournalTests : JobJournalTests
{
    protected override string Journal => JobJournal.Embedded;

    protected override string EndpointCopiesSql => """
        SELECT transport, "user", host, port, json_extract(target_json, '$.settings.jumpHosts[0].settings.jumpHosts[0].host'),
            json_extract(target_json, '$.connectTimeout'), instr(target_json, '"label"')
        FROM jobs WHERE id = 'target-full'
        """;

    // The WAL too: committed records stay there after a call (no checkpoint on close).
    private protected override string Snapshot(JobJournal journal) =>
        Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(journal.Path))) + "/"
        + (File.Exists(journal.Path + "-wal") ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(journal.Path + "-wal"))) : "-");

    protected override string Corruption(string name) => name switch
    {
        "not-json" => "target_json = 'not json'",
        "no-port" => "target_json = '{\"user\":\"u\",\"host\":\"h\"}'",
        "port-not-a-number" => "target_json = json_set(target_json, '$.port', 'x')",
        "identity-files-null" => "target_json = json_set(target_json, '$.identityFiles', json('null'))",
        "jump-host-without-host" => "target_json = json_set(target_json, '$.settings', json('{\"jumpHosts\":[{\"user\":\"j\"}]}'))",
        "array" => "target_json = '[]'",
        "json-null" => "target_json = 'null'",
        "sql-null" => "target_json = NULL",
        "unknown-transport" => "transport = 'carrier-pigeon'",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Fact]
    public void The_embedded_journal_is_the_state_directory_s_file_whatever_the_environment_says()
    {
        var journal = JobJournal.Open(Dir.Path, JobJournal.Embedded);
        Assert.Equal(Path.Combine(Dir.Path, JobJournal.FileName), journal.Path);
        Assert.False(journal.IsShared);
    }

    /// <summary>
    /// The daemon's held connection (<see cref="JobJournal.HoldOpen"/>): every call beside it, of
    /// this journal or another opener's, works as without it, and closing it checkpoints nothing:
    /// the WAL stays, with what was committed beside it.
    /// </summary>
    [Fact]
    public void A_connection_held_open_changes_nothing_a_call_sees_and_keeps_the_wal_when_closed()
    {
        var journal = Open();
        journal.AddIntent(NewJob("before-hold"));
        using (var held = journal.HoldOpen())
        {
            Assert.NotNull(held);
            var other = Open();
            other.AddIntent(NewJob("beside-hold"));
            journal.MarkSending(JobId.Parse("beside-hold"));
            Assert.Equal(JournalPhase.Intent, other.Get(JobId.Parse("beside-hold"))!.Phase);
            Assert.NotNull(journal.Get(JobId.Parse("before-hold")));
        }

        Assert.True(File.Exists(journal.Path + "-wal"), "closing the held connection checkpointed the WAL away");
        Assert.NotNull(Open().Get(JobId.Parse("beside-hold")));
    }

    /// <summary>
    /// A call's connection closes without a checkpoint: what it committed stays in the WAL (synced
    /// at the commit), which is neither deleted nor created again at every call, and the next
    /// opener reads it from there.
    /// </summary>
    [Fact]
    public void A_commit_stays_in_the_wal_after_its_call_and_the_next_opener_reads_it()
    {
        var journal = Open();
        journal.AddIntent(NewJob("kept-in-wal"));
        var wal = journal.Path + "-wal";
        Assert.True(File.Exists(wal), "the WAL was deleted by a checkpoint on close");
        var size = new FileInfo(wal).Length;
        Assert.True(size > 0, "the WAL is empty after a commit");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(wal));

        journal.RecordNotLaunched(JobId.Parse("kept-in-wal"), "test");
        Assert.True(File.Exists(wal));
        var again = JobJournal.Open(Dir.Path, JobJournal.Embedded);
        Assert.Equal(JournalPhase.NotLaunched, again.Get(JobId.Parse("kept-in-wal"))!.Phase);
    }

    /// <summary>
    /// A journal keeps its last connection open for the next call of the process; a journal file
    /// moved aside and replaced by another between two calls is read from the new file, never
    /// from the one the kept connection has open.
    /// </summary>
    [Fact]
    public void A_journal_replaced_between_calls_is_read_from_the_file_its_path_names_now()
    {
        var journal = Open();
        journal.AddIntent(NewJob("in-the-first"));
        Assert.NotNull(journal.Get(JobId.Parse("in-the-first")));

        using var other = new TempDir();
        JobJournal.Open(other.Path, JobJournal.Embedded).AddIntent(NewJob("in-the-second"));
        var aside = Path.Combine(Dir.Path, "aside");
        Directory.CreateDirectory(aside);
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            var name = JobJournal.FileName + suffix;
            if (File.Exists(Path.Combine(Dir.Path, name)))
            {
                File.Move(Path.Combine(Dir.Path, name), Path.Combine(aside, name));
            }

            if (File.Exists(Path.Combine(other.Path, name)))
            {
                File.Move(Path.Combine(other.Path, name), Path.Combine(Dir.Path, name));
            }
        }

        Assert.Null(journal.Get(JobId.Parse("in-the-first")));
        Assert.NotNull(journal.Get(JobId.Parse("in-the-second")));
        journal.AddIntent(NewJob("after-the-swap"));
        Assert.NotNull(JobJournal.Open(Dir.Path, JobJournal.Embedded).Get(JobId.Parse("after-the-swap")));
        Assert.Null(JobJournal.Open(aside, JobJournal.Embedded).Get(JobId.Parse("after-the-swap")));
    }

    /// <summary>Calls in a row on one journal object, and two objects at once, see each other's commits.</summary>
    [Fact]
    public void Calls_on_a_kept_connection_see_what_other_connections_committed()
    {
        var first = Open();
        var second = Open();
        first.AddIntent(NewJob("from-first"));
        Assert.NotNull(second.Get(JobId.Parse("from-first")));
        second.AddIntent(NewJob("from-second"));
        Assert.NotNull(first.Get(JobId.Parse("from-second")));
        Parallel.For(0, 8, i => first.AddIntent(NewJob($"parallel-{i}")));
        Assert.Equal(10, second.List().Count);
    }

    [Fact]
    public void A_journal_written_by_schema_version_1_loads()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "journal-v1.db"), Path.Combine(Dir.Path, JobJournal.FileName));
        var journal = Open();
        var old = journal.Get(JobId.Parse("v1old-job1"))!;
        Assert.Equal(JournalPhase.Finished, old.Phase);
        Assert.Equal(3, old.LastStatus!.ExitCode);
        Assert.Equal("./long-task.sh --flag 'x'", old.Spec.Command);
        Assert.Equal(2222, old.Endpoint.Port);
        Assert.Equal(1, old.Attempt);
        Assert.Equal(RestartMode.No, old.Restart.Mode);
        Assert.Single(journal.Unfinished());
        journal.AddIntent(NewJob("after-migration"));
        Assert.Equal(3, journal.List().Count);
    }

    [Fact]
    public void A_journal_written_by_schema_version_2_loads()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "journal-v2.db"), Path.Combine(Dir.Path, JobJournal.FileName));
        var journal = Open();
        var retried = journal.Get(JobId.Parse("v2b4tch-0001-r2"))!;
        Assert.Equal(JournalPhase.Finished, retried.Phase);
        Assert.Equal(9, retried.LastStatus!.Signal);
        Assert.Equal(2, retried.Attempt);
        Assert.Equal("v2b4tch-0001", retried.RootId?.Value);
        Assert.Equal(new RestartPolicy(RestartMode.OnFailure, 3, TimeSpan.FromSeconds(1)), retried.Restart);
        Assert.Equal(2, journal.Batch("v2b4tch").Count);
        var running = Assert.Single(journal.Unfinished());
        Assert.True(running.ToBeChecked);
        Assert.Equal(2222, running.Endpoint.Port);
    }

    [Fact]
    public void A_corrupt_journal_is_refused_and_left_untouched()
    {
        var path = Path.Combine(Dir.Path, JobJournal.FileName);
        var garbage = RandomNumberGenerator.GetBytes(8192);
        File.WriteAllBytes(path, garbage);
        var error = Assert.Throws<SessionKeeperException>(() => Open());
        Assert.Equal(FailureKind.StateCorrupt, error.Kind);
        Assert.Contains("left untouched", error.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(42, true)]
    public void Restart_on_failure_stops_at_success_or_the_limit(int code, bool _)
    {
        var policy = new RestartPolicy(RestartMode.OnFailure, 2, TimeSpan.Zero);
        var status = new JobStatus { Id = JobId.Parse("a"), State = JobState.Exited, ExitCode = code };
        Assert.Equal(code != 0, policy.ShouldRestart(status, 1));
        Assert.Equal(code != 0, policy.ShouldRestart(status, 2));
        Assert.False(policy.ShouldRestart(status, 3));
        Assert.True(new RestartPolicy(RestartMode.Always, 1, TimeSpan.Zero).ShouldRestart(status, 1));
    }

    /// <summary>
    /// Every write is synced at its commit (synchronous = FULL), but for those run unsynced
    /// (synchronous = NORMAL: in the WAL, not fsynced until the next synced commit).
    /// </summary>
    [Fact]
    public void A_write_run_unsynced_is_committed_with_synchronous_normal_and_every_other_with_full()
    {
        var store = SqliteJournalStore.Open(Dir.Path);
        static long Synchronous(System.Data.Common.DbConnection c)
        {
            using var read = c.CreateCommand();
            read.CommandText = "PRAGMA synchronous";
            return Convert.ToInt64(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        Assert.Equal((2L, 1L, 2L), (store.Run(Synchronous), store.RunUnsynced(Synchronous), store.Run(Synchronous)));
    }
}
