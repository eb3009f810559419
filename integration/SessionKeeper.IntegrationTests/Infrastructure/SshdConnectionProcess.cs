namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>A per-connection sshd process below the fixture's listener.</summary>
public sealed record SshdConnectionProcess(
    int Pid,
    int ParentPid,
    string CommandLine,
    SshdProcessKind Kind,
    string? UserName,
    char State,
    long StartTime)
{
    public bool IsStopped => State is 'T' or 't';

    internal static SshdConnectionProcess From(ProcStat stat, string commandLine)
    {
        var (kind, user) = Classify(commandLine);
        return new SshdConnectionProcess(stat.Pid, stat.ParentPid, commandLine, kind, user, stat.State, stat.StartTime);
    }

    internal static (SshdProcessKind Kind, string? User) Classify(string commandLine)
    {
        const string prefix = "sshd: ";
        if (!commandLine.StartsWith(prefix, StringComparison.Ordinal))
        {
            return (SshdProcessKind.Other, null);
        }

        var title = commandLine[prefix.Length..].Trim();
        if (title.EndsWith(" [priv]", StringComparison.Ordinal))
        {
            return (SshdProcessKind.Monitor, title[..^" [priv]".Length]);
        }

        if (title.Contains('[', StringComparison.Ordinal))
        {
            var user = title.Split(' ', 2)[0];
            return (SshdProcessKind.PreAuth, user.StartsWith('[') ? null : user);
        }

        var at = title.IndexOf('@', StringComparison.Ordinal);
        return at > 0 ? (SshdProcessKind.Session, title[..at]) : (SshdProcessKind.Other, null);
    }
}
