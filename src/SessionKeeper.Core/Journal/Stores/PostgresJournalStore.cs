using System.Collections.Concurrent;
using System.Data.Common;
using System.Net.Sockets;
using Npgsql;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Core.Journal.Stores;

/// <summary>
/// A journal shared by several workstations and daemons: a PostgreSQL database named by a
/// postgresql:// URL. One pooled data source per URL and process (Npgsql's slim builder: only the
/// types the journal uses, so the build stays trimmable). A server that cannot be reached, or that
/// refuses the login or the database, is <see cref="FailureKind.JournalUnavailable"/>, named in
/// one line.
/// </summary>
internal sealed class PostgresJournalStore : JournalStore
{
    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> Sources = new(StringComparer.Ordinal);

    private readonly NpgsqlDataSource _source;

    private PostgresJournalStore(JournalUrl url)
    {
        Location = url.Display;
        _source = Sources.GetOrAdd(url.ConnectionString, static connectionString =>
        {
            var builder = new NpgsqlSlimDataSourceBuilder(connectionString);
            builder.EnableTransportSecurity();
            return builder.Build();
        });
    }

    public override string Location { get; }

    public override JournalDialect Dialect => JournalDialect.Postgres;

    public static PostgresJournalStore Open(JournalUrl url)
    {
        var store = new PostgresJournalStore(url);
        store.Prepare();
        return store;
    }

    public override T Run<T>(Func<DbConnection, T> action)
    {
        try
        {
            using var connection = _source.OpenConnection();
            return action(connection);
        }
        catch (PostgresException ex) when (ex.SqlState is "28P01" or "28000")
        {
            throw Unavailable($"the PostgreSQL journal {Location} refused the login ({ex.MessageText.TrimEnd('.')}); check the user, and its password in ~/.pgpass or $PGPASSWORD.", ex);
        }
        catch (PostgresException ex) when (ex.SqlState == "3D000")
        {
            throw Unavailable($"the PostgreSQL journal {Location} has no such database ({ex.MessageText.TrimEnd('.')}); create it first (createdb).", ex);
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith("42501", StringComparison.Ordinal))
        {
            throw Unavailable($"the PostgreSQL journal {Location} refused access ({ex.MessageText.TrimEnd('.')}); the user needs to own the database or be granted its tables.", ex);
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith("08", StringComparison.Ordinal) || ex.SqlState.StartsWith("57P", StringComparison.Ordinal) || ex.SqlState.StartsWith("53", StringComparison.Ordinal))
        {
            throw Unavailable($"the PostgreSQL journal {Location} is not available ({ex.MessageText.TrimEnd('.')}).", ex);
        }
        catch (PostgresException ex)
        {
            throw new SessionKeeperException(FailureKind.StateCorrupt, $"cannot use the journal {Location}: {ex.MessageText.TrimEnd('.')} ({ex.SqlState}).", ex);
        }
        catch (NpgsqlException ex)
        {
            throw Unavailable($"cannot reach the PostgreSQL journal {Location}: {Reason(ex)}.", ex);
        }
    }

    public override bool IsDuplicateKey(DbException exception) => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    protected override int ReadVersion(DbConnection connection) => PostgresSchema.ReadVersion(connection);

    protected override void Migrate(DbConnection connection, int from) => PostgresSchema.Migrate(connection, from);

    protected override bool IsConcurrentMigration(Exception exception) => exception is InvalidOperationException or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable };

    private static SessionKeeperException Unavailable(string message, Exception inner) => new(FailureKind.JournalUnavailable, message, inner);

    /// <summary>The innermost reason a connection failed (refused, no such host, timeout), without Npgsql's wrapping.</summary>
    private static string Reason(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket.Message.TrimEnd('.');
            }

            if (e is TimeoutException)
            {
                return "no answer in time (connect_timeout)";
            }
        }

        return ex.Message.TrimEnd('.');
    }
}
