using SessionKeeper.Core.Failures;

namespace SessionKeeper.Ssh;

/// <summary>Where and how to connect: the ssh-like options of the command line.</summary>
public sealed record SshTarget
{
    public required string Host { get; init; }

    public int Port { get; init; } = 22;

    public required string User { get; init; }

    public IReadOnlyList<string> IdentityFiles { get; init; } = [];

    public IReadOnlyList<string> KnownHostsFiles { get; init; } = [];

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How the host is named in messages: user@host or user@host:port.</summary>
    public string Label => Port == 22 ? $"{User}@{Host}" : $"{User}@{Host}:{Port}";

    /// <summary>Parses "[user@]host" the way ssh does; -l wins over nothing, user@ wins over -l.</summary>
    public static (string? User, string Host) SplitDestination(string destination)
    {
        var at = destination.LastIndexOf('@');
        var user = at > 0 ? destination[..at] : null;
        var host = at >= 0 ? destination[(at + 1)..] : destination;
        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || c is '/' or '\0') || host.StartsWith('-'))
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"invalid host '{destination}'.");
        }

        return (user, host);
    }
}
