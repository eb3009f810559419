using System.Data.Common;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Core.Journal.Stores;

/// <summary>
/// Where a <see cref="JobJournal"/> keeps its rows: the embedded SQLite file
/// (<see cref="SqliteJournalStore"/>) or a shared PostgreSQL database
/// (<see cref="PostgresJournalStore"/>). The journal's SQL is shared where it is portable (named
/// parameters written <c>@name</c>, an upsert with ON CONFLICT); what differs is in the store and
/// its <see cref="JournalDialect"/>. Both keep the schema version in the meta table and refuse a
/// newer one, never rewriting it.
/// </summary>
internal abstract class JournalStore
{
    /// <summary>The journal, as messages name it: the file's path, or the URL without its password.</summary>
    public abstract string Location { get; }

    public abstract JournalDialect Dialect { get; }

    /// <summary>Whether the journal refuses writes (a read-only SQLite file read as it is).</summary>
    public virtual bool ReadOnly => false;

    /// <summary>Runs <paramref name="action"/> on an open connection; a failure of the store becomes a <see cref="SessionKeeperException"/>.</summary>
    public abstract T Run<T>(Func<DbConnection, T> action);

    /// <summary>
    /// As <see cref="Run{T}"/>, for a write that need not reach the disk by itself: a later synced
    /// write carries it there, or losing it to a power cut loses nothing anyone relies on. The
    /// embedded journal commits it without an fsync (SQLite's WAL is one file whose frames are in
    /// commit order, so the next synced commit makes this one durable too); a shared journal
    /// commits every write as usual.
    /// </summary>
    public virtual T RunUnsynced<T>(Func<DbConnection, T> action) => Run(action);

    /// <summary>
    /// A connection held open until disposed, or null where holding one buys nothing. SQLite's
    /// first connection to a journal (no other process has it open) finds the WAL index (the -shm
    /// file) truncated and rebuilds it by reading and checksumming every frame of the WAL, which the
    /// journal keeps between calls (up to 1000 pages, 4 MB): each CLI journal call paid that while
    /// no daemon held the journal open (perf of a brokered `run -d`: about 4.7 of 18 ms of CPU,
    /// four connections each). With one connection open for the daemon's life, the index stays
    /// valid and a connection only maps it.
    /// </summary>
    public virtual IDisposable? HoldOpen() => null;

    /// <summary>A write refused because the row's key exists already.</summary>
    public abstract bool IsDuplicateKey(DbException exception);

    /// <summary>The schema version: 0 for an empty journal, -1 for something that is not a journal.</summary>
    protected abstract int ReadVersion(DbConnection connection);

    /// <summary>Brings the journal from <paramref name="from"/> to <see cref="JournalSchema.Current"/> in one transaction.</summary>
    protected abstract void Migrate(DbConnection connection, int from);

    /// <summary>Another process created or migrated the journal while this one tried: it may be ready.</summary>
    protected abstract bool IsConcurrentMigration(Exception exception);

    /// <summary>Creates or upgrades the journal; a newer schema, or something that is not a journal, is refused and left as it is.</summary>
    public void Prepare() => Run(connection =>
    {
        var version = ReadVersion(connection);
        if (version < 0)
        {
            // Its queries may straddle another process's creation of the journal: look again.
            version = ReadVersion(connection);
        }

        if (version == JournalSchema.Current)
        {
            return 0;
        }

        if (version > JournalSchema.Current)
        {
            throw new SessionKeeperException(
                FailureKind.StateCorrupt,
                $"the journal {Location} was written by a newer SessionKeeper (schema {version}, this one knows {JournalSchema.Current}); upgrade sessionkeeper. The journal was left untouched.");
        }

        if (version < 0)
        {
            throw Corrupt(null, "it is not a SessionKeeper journal");
        }

        if (ReadOnly)
        {
            throw new SessionKeeperException(FailureKind.StateCorrupt, $"the journal {Location} is read-only here and needs an upgrade (schema {version} to {JournalSchema.Current}); open it once where it can be written.");
        }

        try
        {
            Migrate(connection, version);
        }
        catch (Exception ex) when (IsConcurrentMigration(ex))
        {
            if (ReadVersion(connection) != JournalSchema.Current)
            {
                throw;
            }
        }

        return 0;
    });

    public SessionKeeperException Corrupt(Exception? inner, string why) =>
        new(FailureKind.StateCorrupt, $"the journal {Location} is unreadable ({why.TrimEnd('.')}); it was left untouched. Move it aside to start a new one.", inner!);
}
