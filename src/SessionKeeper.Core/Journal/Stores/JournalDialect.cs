namespace SessionKeeper.Core.Journal.Stores;

/// <summary>
/// The little that differs between the stores' SQL. A command is text, or bytes when it is not
/// UTF-8: SQLite keeps either in one column, PostgreSQL needs a bytea column beside the text one.
/// </summary>
internal sealed record JournalDialect(bool SplitsCommand)
{
    public static JournalDialect Sqlite { get; } = new(SplitsCommand: false);

    public static JournalDialect Postgres { get; } = new(SplitsCommand: true);

    /// <summary>The jobs columns a command is written to, in an INSERT's column list.</summary>
    public string CommandColumns => SplitsCommand ? "command, command_raw" : "command";

    /// <summary>Their values, in the same order.</summary>
    public string CommandValues => SplitsCommand ? "@command, @commandRaw" : "@command";
}
