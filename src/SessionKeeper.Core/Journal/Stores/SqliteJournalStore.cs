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

    private readonly string _connectionString;
    private readonly bool _readOnly;
    private bool _prepared;
    private bool _warnedVanished;
    private IdleConnection? _idle;

    private SqliteJournalStore(string path, bool readOnly, bool immutable = false)
    {
        SqliteLibrary.Install();
        Path = path;
        _readOnly = readOnly;
        _connectionString = new SqliteConnectionStringBuilder
        {
            // A read-only directory has no room for WAL's -shm file: read the file as it is then.
            DataSource = immutable ? $"file:{Uri.EscapeDataString(path).Replace("%2F", "/", StringComparison.Ordinal)}?immutable=1" : path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    public override string Location => Path;

    public override JournalDialect Dialect => JournalDialect.Sqlite;

    public override bool ReadOnly => _readOnly;

    public static SqliteJournalStore Open(string stateRoot)
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
        var store = new SqliteJournalStore(System.IO.Path.Combine(stateRoot, JobJournal.FileName), readOnly: false);
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
                var shared = new SqliteJournalStore(path, readOnly: true);
                shared.PrepareFile();
                return shared;
            }
            catch (SessionKeeperException again) when (again.InnerException is SqliteException { SqliteErrorCode: 8 or 14 })
            {
                var immutable = new SqliteJournalStore(path, readOnly: true, immutable: true);
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
            return RunOnce(action, synced);
        }
        catch (SqliteException ex) when (_prepared && !_readOnly && ex.SqliteErrorCode == 1 && ex.Message.Contains("no such table", StringComparison.Ordinal))
        {
            // Deleted between the check and the open: SQLite made an empty file.
            Recreate();
            return RunOnce(action, synced);
        }
    }

    private T RunOnce<T>(Func<DbConnection, T> action, bool synced)
    {
        SqliteConnection? connection = null;
        try
        {
            // A WAL kept by earlier calls stays as it is whatever this call meets; a journal without
            // one (new, or found as it was left by another tool) keeps SQLite's own close until a
            // call has worked on it, so one found unreadable is left as it was (no WAL, no SHM).
            // A connection kept from an earlier call of this process has worked on it already.
            var reused = TakeIdle(out var file);
            var walKept = reused is not null || (!_readOnly && File.Exists(Path + "-wal"));
            connection = reused ?? new SqliteConnection(_connectionString);
            if (reused is null)
            {
                connection.Open();
                if (walKept)
                {
                    KeepWalOnClose(connection);
                }
            }

            using (var pragmas = connection.CreateCommand())
            {
                pragmas.CommandText = _readOnly
                    ? "PRAGMA busy_timeout = 30000;"
                    : synced
                        ? "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000;"
                        : "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;";
                pragmas.ExecuteNonQuery();
            }

            var result = action(connection);
            if (!_readOnly && !walKept)
            {
                KeepWalOnClose(connection);
            }

            KeepIdle(connection, file);
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
    private SqliteConnection? TakeIdle(out FileIdentity? file)
    {
        file = FileIdentity.Of(Path);
        var idle = Interlocked.Exchange(ref _idle, null);
        if (idle is null)
        {
            return null;
        }

        if (file is not null && idle.File == file)
        {
            return idle.Connection;
        }

        // Deleted, moved aside or replaced since: this call opens the path anew.
        idle.Connection.Dispose();
        return null;
    }

    /// <summary>Keeps <paramref name="connection"/> for the next call (one is kept; a concurrent call's is closed).</summary>
    private void KeepIdle(SqliteConnection connection, FileIdentity? file)
    {
        if (file is null || Interlocked.CompareExchange(ref _idle, new IdleConnection(connection, file.Value), null) is not null)
        {
            connection.Dispose();
        }
    }

    private void DropIdle() => Interlocked.Exchange(ref _idle, null)?.Connection.Dispose();

    private sealed record IdleConnection(SqliteConnection Connection, FileIdentity File);

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
            read.CommandText = "PRAGMA busy_timeout = 30000; SELECT count(*) FROM meta;"; // maps the WAL index; no transaction stays open
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
