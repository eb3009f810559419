namespace SessionKeeper.Core.Journal;

/// <summary>How to reach a job's host again, from a brand-new process: recorded at launch.</summary>
public sealed record JobEndpoint(
    string User,
    string Host,
    int Port,
    IReadOnlyList<string> IdentityFiles,
    IReadOnlyList<string> KnownHostsFiles,
    TimeSpan ConnectTimeout)
{
    public string Label => Port == 22 ? $"{User}@{Host}" : $"{User}@{Host}:{Port}";
}
