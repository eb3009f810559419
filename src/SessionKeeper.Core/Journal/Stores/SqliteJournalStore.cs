using System.Data.Common;
using Microsoft.Data.Sqlite;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Core.Journal.Stores;

/// <summary>
/// The embedded journal: one SQLite file (WAL) in the state directory, private to its user. A
/// journal that vanishes while in use is started anew, with a warning.
/// </summary>
internal sealed class SqliteJournalStore : JournalStore
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private static int _warnedReadable;

    /// <summary>How long a call waits for a lock while nobody writes to the journal, before it says the journal is stuck.</summary>
    public static readonly TimeSpan DefaultLockWait = TimeSpan.FromSeconds(30);

    private readonly string _connectionString;
    private readonly bool _readOnly;
    private readonly TimeSpan _lockWait;
    private bool _prepared;
    private bool _warnedVanished;
    private IdleConnection? _idle;

    private SqliteJournalStore(string path, bool readOnly, TimeSpan lockWait, bool immutable = false)
    {
        SqliteLibrary.Install();
        Path = path;
        _readOnly = readOnly;
        _lockWait = lockWait;
        _connectionString = new SqliteConnectionStringBuilder
        {
            // A read-only directory has no room for WAL's -shm file: read the file as it is then.
            DataSource = immutable ? $"file:{Uri.EscapeDataString(path).Replace("%2F", "/", StringComparison.Ordinal)}?immutable=1" : path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(lockWait.TotalSeconds),
        }.ToString();
    }

    public string Path { get; }

    public override string Location => Path;

    public override JournalDialect Dialect => JournalDialect.Sqlite;

    public override bool ReadOnly => _readOnly;

    /// <summary>
    /// The journal in <paramref name="stateRoot"/>, created or upgraded as needed. A call that finds
    /// it locked waits as long as other processes keep writing to it, and gives up only after
    /// <paramref name="lockWait"/> (default <see cref="DefaultLockWait"/>) in which nobody did.
    /// </summary>
    public static SqliteJournalStore Open(string stateRoot, TimeSpan? lockWait = null)
    {
        try
        {
            if (!Directory.Exists(stateRoot))
            {
                Directory.CreateDirectory(stateRoot, PrivateDirectory);
                DurableFiles.TrySyncDirectory(DurableFiles.ParentOf(stateRoot), JobJournal.Warn);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SessionKeeperException(FailureKind.StateCorrupt, $"cannot create the state directory {stateRoot}: {ex.Message}", ex);
        }

        WarnIfReadable(stateRoot);
        var store = new SqliteJournalStore(System.IO.Path.Combine(stateRoot, JobJournal.FileName), readOnly: false, lockWait ?? DefaultLockWait);
        store.PrepareFile();
        return store;
    }

    /// <summary>
    /// For verbs that only read (jobs): the journal as it is, even when the state directory or the
    /// journal is read-only to us. Falls back to a read-only connection only when a writable one
    /// cannot be had; nothing is created or migrated then.
    /// </summary>
    public static SqliteJournalStore OpenForReading(string stateRoot)
    {
        try
        {
            return Open(stateRoot);
        }
        catch (SessionKeeperException ex) when (ex.InnerException is SqliteException { SqliteErrorCode: 8 or 14 } or UnauthorizedAccessException)
        {
            var path = System.IO.Path.Combine(stateRoot, JobJournal.FileName);
            if (!File.Exists(path))
            {
                throw;
            }

            try
            {
                var shared = new SqliteJournalStore(path, readOnly: true, DefaultLockWait);
                shared.PrepareFile();
                return shared;
            }
            catch (SessionKeeperException again) when (again.InnerException is SqliteException { SqliteErrorCode: 8 or 14 })
            {
                var immutable = new SqliteJournalStore(path, readOnly: true, DefaultLockWait, immutable: true);
                immutable.PrepareFile();
                return immutable;
            }
        }
    }

    private static void WarnIfReadable(string stateRoot)
    {
        try
        {
            var mode = File.GetUnixFileMode(stateRoot);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0 && Interlocked.Exchange(ref _warnedReadable, 1) == 0)
            {
                JobJournal.Warn($"the state directory {stateRoot} is readable by others (mode {Convert.ToString((int)mode, 8)}); its files are private, but run `chmod 700 {stateRoot}`.");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private void PrepareFile()
    {
        if (!_readOnly)
        {
            MakePrivate();
        }

        Prepare();
        _prepared = true;
    }

    /// <summary>
    /// The journal and its WAL and SHM files are the user's alone (SQLite gives the WAL and SHM the
    /// journal's mode): created 0600 whatever the umask, and put back to 0600 if found wider.
    /// </summary>
    private void MakePrivate()
    {
        try
        {
            var created = !File.Exists(Path);
            using (new FileStream(Path, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite | FileShare.Delete, UnixCreateMode = Private }))
            {
            }

            if (created)
            {
                // SQLite syncs the directory for the WAL it creates, never for the database file itself.
                DurableFiles.TrySyncDirectory(System.IO.Path.GetDirectoryName(Path)!, JobJournal.Warn);
            }

            foreach (var file in new[] { Path, Path + "-wal", Path + "-shm" })
            {
                if (File.Exists(file) && (File.GetUnixFileMode(file) & ~Private) != 0)
                {
                    File.SetUnixFileMode(file, Private);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not ours to change (another user's journal, a read-only file): SQLite reports what matters.
        }
    }

    /// <summary>The journal file vanished under us (deleted by hand, a cleanup): start a new one rather than fail the run.</summary>
    private void Recreate()
    {
        if (!_warnedVanished)
        {
            _warnedVanished = true;
            JobJournal.Warn($"the journal {Path} vanished while in use; a new one was created (earlier records are gone; this run goes on from memory).");
        }

        DropIdle();
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory, PrivateDirectory);
        foreach (var stale in new[] { Path + "-wal", Path + "-shm" })
        {
            // A WAL left without its database would be replayed into the new one.
            File.Delete(stale);
        }

        _prepared = false;
        PrepareFile();
    }

    public override T Run<T>(Func<DbConnection, T> action) => Run(action, synced: true);

    /// <summary>
    /// With synchronous = NORMAL on its connection: the commit is written to the WAL (so it
    /// survives the process) but not synced; the next commit with synchronous = FULL syncs the WAL
    /// file, this commit's frames with its own.
    /// </summary>
    public override T RunUnsynced<T>(Func<DbConnection, T> action) => Run(action, synced: false);

    private T Run<T>(Func<DbConnection, T> action, bool synced)
    {
        if (_prepared && !_readOnly && !File.Exists(Path))
        {
            Recreate();
        }

        try
        {
            return RunWaiting(action, synced);
        }
        catch (SqliteException ex) when (_prepared && !_readOnly && ex.SqliteErrorCode == 1 && ex.Message.Contains("no such table", StringComparison.Ordinal))
        {
            // Deleted between the check and the open: SQLite made an empty file.
            Recreate();
            return RunWaiting(action, synced);
        }
    }

    /// <summary>
    /// <see cref="RunOnce"/>, again and again while it finds the journal locked (SQLITE_BUSY) and
    /// another process has written to it since the last try, or for at most the lock wait since
    /// anyone did. SQLite waits out a lock by polling it (busy_timeout, then Microsoft.Data.Sqlite's
    /// own retry of the statement), with no queue: while many processes write one after the other
    /// (24 CLIs and a daemon on a machine at load 70: each commit takes long, and the write lock
    /// is never free for long), a poller can miss every moment it is free for the whole wait and
    /// fail with "database is locked" though nothing is stuck. A lock SQLite cannot wait for
    /// (SQLITE_BUSY_SNAPSHOT: a transaction's snapshot went stale before its first write) is also
    /// a failed try: the call's transaction was rolled back, so it runs again whole. Only a lock
    /// held while nobody writes, for the whole wait (a process stopped in the middle of a
    /// transaction), ends the call, with a message that says so.
    /// </summary>
    private T RunWaiting<T>(Func<DbConnection, T> action, bool synced)
    {
        var seen = JournalWrites.Of(Path);
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return RunOnce(action, synced);
            }
            catch (JournalLockedException locked)
            {
                var now = JournalWrites.Of(Path);
                if (now != seen)
                {
                    seen = now;
                    quiet.Restart();
                }
                else if (quiet.Elapsed >= _lockWait)
                {
                    throw new SessionKeeperException(
                        FailureKind.StateCorrupt,
                        $"cannot use the journal {Path}: it stayed locked for {quiet.Elapsed.TotalSeconds:0} s while no process wrote to it ({locked.InnerException!.Message}); a process holding it may be stopped or hung (`fuser {Path}` names them)",
                        locked.InnerException);
                }

                // A try that failed at once (a stale snapshot) must not spin against the writer ahead of it.
                Thread.Sleep(Random.Shared.Next(10, 60));
            }
        }
    }

    /// <summary>What tells that some process wrote to the journal: the WAL's and the database file's size and modification time (a commit appends to the WAL or rewrites it from its start; a checkpoint writes the database file).</summary>
    private readonly record struct JournalWrites(long WalLength, DateTime WalWritten, long Length, DateTime Written)
    {
        public static JournalWrites Of(string path)
        {
            var wal = new FileInfo(path + "-wal");
            var db = new FileInfo(path);
            return wal.Exists
                ? new(wal.Length, wal.LastWriteTimeUtc, db.Exists ? db.Length : -1, db.Exists ? db.LastWriteTimeUtc : default)
                : new(-1, default, db.Exists ? db.Length : -1, db.Exists ? db.LastWriteTimeUtc : default);
        }
    }

    /// <summary>A try of <see cref="RunOnce"/> that found the journal locked; its transaction was rolled back.</summary>
    private sealed class JournalLockedException(SqliteException inner) : Exception(inner.Message, inner);

    private T RunOnce<T>(Func<DbConnection, T> action, bool synced)
    {
        SqliteConnection? connection = null;
        try
        {
            // A WAL kept by earlier calls stays as it is whatever this call meets; a journal without
            // one (new, or found as it was left by another tool) keeps SQLite's own close until a
            // call has worked on it, so one found unreadable is left as it was (no WAL, no SHM).
            // A connection kept from an earlier call of this process has worked on it already.
            var idle = TakeIdle(out var file);
            var reused = idle?.Connection;
            var walKept = reused is not null || (!_readOnly && File.Exists(Path + "-wal"));
            connection = reused ?? new SqliteConnection(_connectionString);
            if (reused is null)
            {
                connection.Open();
                using (var busy = connection.CreateCommand())
                {
                    // Before anything reads the journal: journal_mode does (and changes a new one's
                    // under an exclusive lock), and without it fails at once on a lock. A command
                    // of its own: Microsoft.Data.Sqlite ignores the errors of the statements that
                    // follow one that returns a row, as this one does.
                    busy.CommandText = $"PRAGMA busy_timeout = {(long)_lockWait.TotalMilliseconds};";
                    busy.ExecuteNonQuery();
                }

                if (walKept)
                {
                    KeepWalOnClose(connection);
                }
            }

            // A kept connection is in WAL mode already (nobody can take the file out of it while
            // the connection is open), and keeps the synchronous level it was last given: set
            // again only when this call needs the other one (two statements parsed per call else).
            if (!_readOnly && idle?.Synced != synced)
            {
                using var pragmas = connection.CreateCommand();
                pragmas.CommandText = (reused is null ? "PRAGMA journal_mode = WAL; " : string.Empty)
                    + (synced ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");
                pragmas.ExecuteNonQuery();
            }

            var result = action(connection);
            if (!_readOnly && !walKept)
            {
                KeepWalOnClose(connection);
            }

            KeepIdle(connection, file, synced);
            connection = null;
            return result;
        }
        catch (SqliteException ex) when (_prepared && !_readOnly && ex.SqliteErrorCode == 1 && ex.Message.Contains("no such table", StringComparison.Ordinal))
        {
            throw;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 26 or 11)
        {
            throw Corrupt(ex, ex.Message);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SQLitePCL.raw.SQLITE_BUSY)
        {
            throw new JournalLockedException(ex);
        }
        catch (SqliteException ex)
        {
            throw new SessionKeeperException(FailureKind.StateCorrupt, $"cannot use the journal {Path}: {ex.Message}", ex);
        }
        finally
        {
            connection?.Dispose();
        }
    }

    /// <summary>
    /// The connection the last call left, if the journal's path still names the file it has open;
    /// <paramref name="file"/> is that file (null when it cannot be told: the connection is then
    /// not kept). Opening a connection costs more than most calls: SQLite's first connection in a
    /// process rebuilds the WAL index from the whole WAL (up to 1000 pages) in its -shm file, and
    /// a CLI verb made one connection per call (`status` three, each rebuilding it).
    /// </summary>
    private IdleConnection? TakeIdle(out FileIdentity? file)
    {
        file = FileIdentity.Of(Path);
        var idle = Interlocked.Exchange(ref _idle, null);
        if (idle is null)
        {
            return null;
        }

        if (file is not null && idle.File == file)
        {
            return idle;
        }

        // Deleted, moved aside or replaced since: this call opens the path anew.
        idle.Connection.Dispose();
        return null;
    }

    /// <summary>Keeps <paramref name="connection"/> for the next call (one is kept; a concurrent call's is closed).</summary>
    private void KeepIdle(SqliteConnection connection, FileIdentity? file, bool synced)
    {
        if (file is null || Interlocked.CompareExchange(ref _idle, new IdleConnection(connection, file.Value, synced), null) is not null)
        {
            connection.Dispose();
        }
    }

    private void DropIdle() => Interlocked.Exchange(ref _idle, null)?.Connection.Dispose();

    /// <summary>A connection kept for the next call, with the file it has open and whether its synchronous level is FULL.</summary>
    private sealed record IdleConnection(SqliteConnection Connection, FileIdentity File, bool Synced);

    /// <summary>
    /// The last connection to close does not checkpoint: the WAL stays, and with it the records
    /// committed to it. Each commit is durable as it is (synchronous = FULL fsyncs the WAL at every
    /// commit); a checkpoint on close only moved the pages into the database file, at the price of
    /// a WAL created again and deleted at every call (four more fsyncs, a directory's among them).
    /// A CLI makes one connection per journal call, and `run -d` makes three, so that was most of
    /// its journal time (strace of one brokered `run -d`: 15 fsyncs, about 50 ms of 330 on a loaded
    /// machine). SQLite still checkpoints every 1000 pages on its own (wal_autocheckpoint).
    /// </summary>
    private static void KeepWalOnClose(SqliteConnection connection)
    {
        var rc = SQLitePCL.raw.sqlite3_db_config(connection.Handle!, SQLitePCL.raw.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, out _);
        if (rc != SQLitePCL.raw.SQLITE_OK)
        {
            throw new SqliteException($"cannot configure the journal connection (sqlite error {rc}).", rc);
        }
    }

    public override IDisposable? HoldOpen()
    {
        if (_readOnly)
        {
            return null;
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            KeepWalOnClose(connection);
            using var read = connection.CreateCommand();
            read.CommandText = $"PRAGMA busy_timeout = {(long)_lockWait.TotalMilliseconds}; SELECT count(*) FROM meta;"; // maps the WAL index; no transaction stays open
            read.ExecuteScalar();
            return connection;
        }
        catch (SqliteException)
        {
            // Only an optimisation: the calls themselves report what is wrong with the journal.
            connection.Dispose();
            return null;
        }
    }

    public override bool IsDuplicateKey(DbException exception) => exception is SqliteException { SqliteErrorCode: 19 };

    protected override int ReadVersion(DbConnection connection) => JournalSchema.ReadVersion((SqliteConnection)connection);

    protected override void Migrate(DbConnection connection, int from) => JournalSchema.Migrate((SqliteConnection)connection, from, Path);

    protected override bool IsConcurrentMigration(Exception exception) => exception is SqliteException;
}
