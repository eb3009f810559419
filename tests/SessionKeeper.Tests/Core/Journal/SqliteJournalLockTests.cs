using System.Data.Common;
using Microsoft.Data.Sqlite;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Journal.Stores;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Journal;

/// <summary>
/// The SQLite journal under other processes' locks: a call waits as long as the others keep
/// writing, runs again whole where SQLite cannot wait (a stale snapshot), and says so when a lock
/// is held while nobody writes. The lock wait is 1 s here instead of 30.
/// </summary>
public sealed class SqliteJournalLockTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(1);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string File => Path.Combine(_dir.Path, "journal.db");

    /// <summary>Another process's connection: its own busy wait, as every SessionKeeper process sets.</summary>
    private SqliteConnection Other()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = File, Pooling = false, DefaultTimeout = 60 }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 60000");
        return connection;
    }

    private static long Execute(DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int Write(DbConnection connection, string key, DbTransaction? transaction = null) =>
        (int)Execute(connection, $"INSERT INTO meta (key, value) VALUES ('{key}', '1') ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value", transaction);

    /// <summary>
    /// The write lock is taken again by another writer as soon as it is released, commit after
    /// commit, for three lock waits in a row (as 24 CLIs and a daemon writing one after the other
    /// at load 70 kept it): SQLite's poll of the lock never finds it free, and the call failed
    /// after one wait with "database is locked". It waits while the others write, and gets in when
    /// they stop.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_call_waits_while_other_writers_keep_the_lock_taken_one_commit_after_another()
    {
        var store = SqliteJournalStore.Open(_dir.Path, Wait);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var relay = Task.Factory.StartNew(
            () =>
            {
                using var other = Other();
                for (var i = 0; i < 60; i++)
                {
                    using var transaction = other.BeginTransaction();
                    Write(other, "relay", transaction);
                    holding.TrySetResult();
                    Thread.Sleep(50); // the writer's work, lock held: 60 x 50 ms = 3 lock waits
                    transaction.Commit();
                }
            },
            TaskCreationOptions.LongRunning);
        await Task.WhenAny(holding.Task, relay).Unwrap(); // a relay that fails says why

        var written = await Task.Run(() => store.Run(connection => Write(connection, "waiter")));

        Assert.Equal(1, written);
        await relay;
        Assert.Equal(60, store.Run(connection => Execute(connection, "SELECT value FROM meta WHERE key = 'relay'")));
    }

    /// <summary>
    /// A read-then-write transaction whose snapshot went stale before its first write (another
    /// process committed in between) gets SQLITE_BUSY_SNAPSHOT, which no wait can cure: SQLite
    /// returns it at once and Microsoft.Data.Sqlite's retry of the statement meets it again. The
    /// transaction is rolled back and the call runs again whole, on the journal as it is now.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_transaction_whose_snapshot_went_stale_runs_again_whole()
    {
        var store = SqliteJournalStore.Open(_dir.Path, Wait);
        store.Run(connection => Write(connection, "counter"));
        var tries = 0;
        var result = await Task.Run(() => store.Run(connection =>
        {
            tries++;
            using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: true);
            var read = Execute(connection, "SELECT value FROM meta WHERE key = 'counter'", transaction);
            if (tries == 1)
            {
                using var other = Other();
                Write(other, "counter");
            }

            Execute(connection, $"UPDATE meta SET value = {read} + 10 WHERE key = 'counter'", transaction);
            transaction.Commit();
            return read;
        }));

        Assert.Equal(2, tries);
        Assert.Equal(2, result);
        Assert.Equal(12, store.Run(connection => Execute(connection, "SELECT value FROM meta WHERE key = 'counter'")));
    }

    /// <summary>
    /// A lock held while nobody writes (a process stopped in the middle of a transaction) ends the
    /// call after the lock wait with a message that says so, and leaves the journal as it was.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_lock_held_while_nobody_writes_ends_the_call_with_a_message_that_says_so()
    {
        var store = SqliteJournalStore.Open(_dir.Path, Wait);
        store.Run(connection => Write(connection, "before"));
        using (var stuck = Other())
        using (var transaction = stuck.BeginTransaction())
        {
            var error = await Assert.ThrowsAsync<SessionKeeperException>(() => Task.Run(() => store.Run(connection => Write(connection, "during"))));
            Assert.Equal(FailureKind.StateCorrupt, error.Kind);
            Assert.Contains("stayed locked", error.Message, StringComparison.Ordinal);
            Assert.Contains("no process wrote to it", error.Message, StringComparison.Ordinal);
            Assert.Equal(SQLitePCL.raw.SQLITE_BUSY, Assert.IsType<SqliteException>(error.InnerException).SqliteErrorCode);
        }

        Assert.Equal(1, store.Run(connection => Execute(connection, "SELECT value FROM meta WHERE key = 'before'")));
        Assert.Equal(0, store.Run(connection => Execute(connection, "SELECT count(*) FROM meta WHERE key = 'during'")));
    }
}
