using Microsoft.Data.Sqlite;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Core.Journal;

/// <summary>
/// The local journal (SQLite, WAL): every job launched from this workstation, so any process can
/// reattach after a crash or a reboot. A corrupt journal, or one from a newer version, is reported
/// and left exactly as it is.
/// </summary>
public sealed partial class JobJournal
{
    public const string FileName = "journal.db";

    private readonly string _connectionString;

    private JobJournal(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    public static JobJournal Open(string stateRoot)
    {
        try
        {
            Directory.CreateDirectory(stateRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SessionKeeperException(FailureKind.StateCorrupt, $"cannot create the state directory {stateRoot}: {ex.Message}", ex);
        }

        var journal = new JobJournal(System.IO.Path.Combine(stateRoot, FileName));
        journal.Prepare();
        return journal;
    }

    private void Prepare()
    {
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

            try
            {
                JournalSchema.Migrate(connection, version);
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
    }

    internal T Run<T>(Func<SqliteConnection, T> action)
    {
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            using (var pragmas = connection.CreateCommand())
            {
                pragmas.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000;";
                pragmas.ExecuteNonQuery();
            }

            return action(connection);
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
        new(FailureKind.StateCorrupt, $"the journal {Path} is unreadable ({why.TrimEnd('.')}); it was left untouched. Move it aside to start a new one, or use --state-dir.", inner!);
}
