using System.Data.Common;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Journal.Stores;

namespace SessionKeeper.Core.Journal;

/// <summary>
/// The journal: every job launched, so any process can reattach after a crash or a reboot. By
/// default a SQLite file (WAL) in the state directory; with a postgresql:// URL (--journal or
/// $SESSIONKEEPER_JOURNAL) a PostgreSQL database several workstations share
/// (<see cref="JournalStore"/>). A corrupt journal, or one from a newer version, is reported and
/// left exactly as it is.
/// </summary>
internal sealed partial class JobJournal
{
    public const string FileName = "journal.db";

    /// <summary>The environment variable that names the journal when --journal does not.</summary>
    public const string Variable = "SESSIONKEEPER_JOURNAL";

    /// <summary>The value of --journal that means the state directory's own SQLite file, whatever $SESSIONKEEPER_JOURNAL says.</summary>
    public const string Embedded = "sqlite";

    private readonly JournalStore _store;

    private JobJournal(JournalStore store) => _store = store;

    /// <summary>The journal as messages name it: the SQLite file's path, or the PostgreSQL URL without its password.</summary>
    public string Path => _store.Location;

    /// <summary>Whether the journal lives outside the state directory, shared with other workstations.</summary>
    public bool IsShared => _store is PostgresJournalStore;

    internal JournalDialect Dialect => _store.Dialect;

    /// <summary>Where warnings about local state go (one line each): stderr unless a host says otherwise.</summary>
    public static Action<string> Warn { get; set; } = message => Console.Error.WriteLine($"sessionkeeper: warning: {message}");

    /// <summary>
    /// The journal <paramref name="journal"/> names (a postgresql:// URL, or <see cref="Embedded"/>),
    /// else the one $SESSIONKEEPER_JOURNAL names, else the SQLite file in <paramref name="stateRoot"/>;
    /// created or upgraded as needed.
    /// </summary>
    public static JobJournal Open(string stateRoot, string? journal = null) =>
        Shared(journal) is { } url ? new(PostgresJournalStore.Open(url)) : new(SqliteJournalStore.Open(stateRoot));

    /// <summary>
    /// For verbs that only read (jobs): the journal as it is, even when the state directory or the
    /// journal is read-only to us (SQLite); nothing is created or migrated then.
    /// </summary>
    public static JobJournal OpenForReading(string stateRoot, string? journal = null) =>
        Shared(journal) is { } url ? new(PostgresJournalStore.Open(url)) : new(SqliteJournalStore.OpenForReading(stateRoot));

    /// <summary>Whether there is a journal to open without creating one: a shared journal always is.</summary>
    public static bool Exists(string stateRoot, string? journal = null) =>
        Shared(journal) is not null || File.Exists(System.IO.Path.Combine(stateRoot, FileName));

    /// <summary>The shared journal named by <paramref name="journal"/> or $SESSIONKEEPER_JOURNAL; null for the embedded one.</summary>
    public static JournalUrl? Shared(string? journal)
    {
        var named = string.IsNullOrEmpty(journal) ? Environment.GetEnvironmentVariable(Variable) : journal;
        if (string.IsNullOrEmpty(named) || named == Embedded)
        {
            return null;
        }

        return JournalUrl.Parse(named);
    }

    internal T Run<T>(Func<DbConnection, T> action) => _store.Run(action);

    /// <summary>
    /// A connection kept open until disposed, for a process that lives long (the daemon): while it
    /// is open, every other process's connection finds the journal's WAL index ready instead of
    /// rebuilding it (see <see cref="JournalStore.HoldOpen"/>). Null for a shared journal.
    /// </summary>
    public IDisposable? HoldOpen() => _store.HoldOpen();
}
