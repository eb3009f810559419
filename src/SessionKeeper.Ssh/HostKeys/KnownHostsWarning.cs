namespace SessionKeeper.Ssh.HostKeys;

/// <summary>A known_hosts line that was skipped because ssh would not use it either.</summary>
/// <param name="Source">The file path (or source name) the line came from.</param>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Message">Why the line was skipped.</param>
internal sealed record KnownHostsWarning(string Source, int Line, string Message)
{
    /// <summary>The position as <c>file:line</c>.</summary>
    public string Location => $"{Source}:{Line}";

    /// <inheritdoc />
    public override string ToString() => $"{Location}: {Message}";
}
