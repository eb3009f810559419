using Microsoft.Data.Sqlite;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Core.Journal;

/// <summary>
/// The local journal (SQLite, WAL): every job launched from this workstation, so any process can
/// reattach after a crash or a reboot. A corrupt journal, or one from a newer version, is reported
/// and left exactly as it is.
/// </summary>
internal sealed partial class JobJournal
{
    public const string FileName = "journal.db";

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private static int _warnedReadable;

    private readonly string _connectionString;
    private readonly bool _readOnly;
    private bool _prepared;
    private bool _warnedVanished;

    private JobJournal(string path, bool readOnly, bool immutable = false)
    {
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

    /// <summary>Where warnings about local state go (one line each): stderr unless a host says otherwise.</summary>
    public static Action<string> Warn { get; set; } = message => Console.Error.WriteLine($"sessionkeeper: warning: {message}");

    public static JobJournal Open(string stateRoot)
    {
        try
        {
            if (!Directory.Exists(stateRoot))
            {
                Directory.CreateDirectory(stateRoot, PrivateDirectory);
                DurableFiles.TrySyncDirectory(DurableFiles.ParentOf(stateRoot), Warn);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SessionKeeperException(FailureKind.StateCorrupt, $"cannot create the state directory {stateRoot}: {ex.Message}", ex);
        }

        WarnIfReadable(stateRoot);
        var journal = new JobJournal(System.IO.Path.Combine(stateRoot, FileName), readOnly: false);
        journal.Prepare();
        return journal;
    }

    /// <summary>
    /// For verbs that only read (jobs): the journal as it is, even when the state directory or the
    /// journal is read-only to us. Falls back to a read-only connection only when a writable one
    /// cannot be had; nothing is created or migrated then.
    /// </summary>
    public static JobJournal OpenForReading(string stateRoot)
    {
        try
        {
            return Open(stateRoot);
        }
        catch (SessionKeeperException ex) when (ex.InnerException is SqliteException { SqliteErrorCode: 8 or 14 } or UnauthorizedAccessException)
        {
            var path = System.IO.Path.Combine(stateRoot, FileName);
            if (!File.Exists(path))
            {
                throw;
            }

            try
            {
                var shared = new JobJournal(path, readOnly: true);
                shared.Prepare();
                return shared;
            }
            catch (SessionKeeperException again) when (again.InnerException is SqliteException { SqliteErrorCode: 8 or 14 })
            {
                var immutable = new JobJournal(path, readOnly: true, immutable: true);
                immutable.Prepare();
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
                Warn($"the state directory {stateRoot} is readable by others (mode {Convert.ToString((int)mode, 8)}); its files are private, but run `chmod 700 {stateRoot}`.");
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
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
                DurableFiles.TrySyncDirectory(System.IO.Path.GetDirectoryName(Path)!, Warn);
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
            Warn($"the journal {Path} vanished while in use; a new one was created (earlier records are gone; this run goes on from memory).");
        }

        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory, PrivateDirectory);
        foreach (var stale in new[] { Path + "-wal", Path + "-shm" })
        {
            // A WAL left without its database would be replayed into the new one.
            File.Delete(stale);
        }

        _prepared = false;
        Prepare();
    }

    private void Prepare()
    {
        if (!_readOnly)
        {
            MakePrivate();
        }

        Run(connection =>
        {
            var version = JournalSchema.ReadVersion(connection);
            if (version < 0)
            {
                // Its two queries may straddle another process's creation of the journal: look again.
                version = JournalSchema.ReadVersion(connection);
            }

            if (version == JournalSchema.Current)
            {
                return 0;
            }

            if (version > JournalSchema.Current)
            {
                throw new SessionKeeperException(
                    FailureKind.StateCorrupt,
                    $"the journal {Path} was written by a newer SessionKeeper (schema {version}, this one knows {JournalSchema.Current}); upgrade sessionkeeper. The journal was left untouched.");
            }

            if (version < 0)
            {
                throw Corrupt(null, "it is not a SessionKeeper journal");
            }

            if (_readOnly)
            {
                throw new SessionKeeperException(FailureKind.StateCorrupt, $"the journal {Path} is read-only here and needs an upgrade (schema {version} to {JournalSchema.Current}); open it once where it can be written.");
            }

            try
            {
                JournalSchema.Migrate(connection, version, Path);
            }
            catch (SqliteException)
            {
                // Another process created or migrated the journal at the same moment: it is ready.
                if (JournalSchema.ReadVersion(connection) != JournalSchema.Current)
                {
                    throw;
                }
            }

            return 0;
        });
        _prepared = true;
    }

    internal T Run<T>(Func<SqliteConnection, T> action)
    {
        if (_prepared && !_readOnly && !File.Exists(Path))
        {
            Recreate();
        }

        try
        {
            return RunOnce(action);
        }
        catch (SqliteException ex) when (_prepared && !_readOnly && ex.SqliteErrorCode == 1 && ex.Message.Contains("no such table", StringComparison.Ordinal))
        {
            // Deleted between the check and the open: SQLite made an empty file.
            Recreate();
            return RunOnce(action);
        }
    }

    private T RunOnce<T>(Func<SqliteConnection, T> action)
    {
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            using (var pragmas = connection.CreateCommand())
            {
                pragmas.CommandText = _readOnly
                    ? "PRAGMA busy_timeout = 30000;"
                    : "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000;";
                pragmas.ExecuteNonQuery();
            }

            return action(connection);
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
    }

    private SessionKeeperException Corrupt(Exception? inner, string why) =>
        new(FailureKind.StateCorrupt, $"the journal {Path} is unreadable ({why.TrimEnd('.')}); it was left untouched. Move it aside to start a new one.", inner!);
}
