namespace SessionKeeper.IntegrationTests.Infrastructure;

public sealed class SshdOptions
{
    /// <summary>
    /// Extra sshd_config text, appended at the end (so it may contain Match blocks). sshd keeps
    /// the first value of a keyword, so a global keyword given here replaces the fixture's
    /// default line of the same name (e.g. "MaxSessions 2", "ClientAliveInterval 1").
    /// ListenAddress, Port, HostKey and PidFile are never replaced.
    /// </summary>
    public string? ExtraConfig { get; init; }

    /// <summary>The user tests log in as; defaults to the current user (as non-root it can only be that).</summary>
    public string? UserName { get; init; }

    /// <summary>Deadline for sshd to answer with its banner.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(20);
}
