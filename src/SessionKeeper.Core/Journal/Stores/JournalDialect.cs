namespace SessionKeeper.Core.Journal.Stores;

/// <summary>
/// The little that differs between the stores' SQL. A command is text, or bytes when it is not
/// UTF-8: SQLite keeps either in one column, PostgreSQL needs a bytea column beside the text one.
/// Leases read the time from the journal itself, never from a workstation: PostgreSQL's clock
/// (shared by every daemon), or SQLite's (the one machine's), in milliseconds since the epoch.
/// </summary>
internal sealed record JournalDialect(bool SplitsCommand, string Now, string SkipLocked)
{
    public static JournalDialect Sqlite { get; } = new(
        SplitsCommand: false,
        Now: "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
        SkipLocked: ""); // one writer at a time: a claim is never concurrent with another

    public static JournalDialect Postgres { get; } = new(
        SplitsCommand: true,
        Now: "(extract(epoch FROM clock_timestamp()) * 1000)::bigint",
        SkipLocked: "FOR UPDATE SKIP LOCKED");

    /// <summary>The jobs columns a command is written to, in an INSERT's column list.</summary>
    public string CommandColumns => SplitsCommand ? "command, command_raw" : "command";

    /// <summary>Their values, in the same order.</summary>
    public string CommandValues => SplitsCommand ? "@command, @commandRaw" : "@command";
}
