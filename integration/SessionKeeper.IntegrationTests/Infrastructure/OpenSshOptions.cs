namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>How <see cref="SshdFixture"/> runs the system OpenSSH client.</summary>
public sealed record OpenSshOptions
{
    /// <summary>Login user; default <see cref="SshdFixture.UserName"/>.</summary>
    public string? User { get; init; }

    /// <summary>
    /// Port to connect to, e.g. a <see cref="FaultProxy"/>'s; default the fixture's. The host key
    /// is still checked against the fixture's "[127.0.0.1]:Port" entry (HostKeyAlias).
    /// </summary>
    public int? Port { get; init; }

    /// <summary>Force a remote PTY (-tt); otherwise -T.</summary>
    public bool Tty { get; init; }

    /// <summary>Default <see cref="SshdFixture.KnownHostsPath"/>.</summary>
    public string? KnownHostsPath { get; init; }

    /// <summary>"Name=value" ssh options passed with -o before the fixture's, so they win (ssh keeps the first value).</summary>
    public IReadOnlyList<string> ExtraOptions { get; init; } = [];

    /// <summary>Keep ssh's stdin open (write with <see cref="CliProcess.WriteStdinAsync"/>); default closed.</summary>
    public bool KeepStdinOpen { get; init; }
}
