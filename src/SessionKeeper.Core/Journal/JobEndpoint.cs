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
    /// <summary>
    /// The rest of the resolved ssh settings (jump hosts, host-key policy, agent, certificates);
    /// null for jobs journaled before schema 3, which reconnect as they were launched then: with
    /// their identity files only, StrictHostKeyChecking yes, no jump host.
    /// </summary>
    public EndpointSettings? Settings { get; init; }

    public string Label => Port == 22 ? $"{User}@{Host}" : $"{User}@{Host}:{Port}";
}

/// <summary>
/// The resolved ssh settings of an endpoint beyond address and keys, kept as resolved at launch so a
/// reconnection from another process goes the same way even if ssh_config changed meanwhile.
/// </summary>
public sealed record EndpointSettings
{
    /// <summary>ProxyJump hops, first hop first, each with its own settings.</summary>
    public IReadOnlyList<JobEndpoint> JumpHosts { get; init; } = [];

    public IReadOnlyList<string> GlobalKnownHostsFiles { get; init; } = [];

    /// <summary>"yes", "accept-new", "ask" or "no".</summary>
    public string StrictHostKeyChecking { get; init; } = "yes";

    public bool HashKnownHosts { get; init; }

    public string? HostKeyAlias { get; init; }

    public bool UseAgent { get; init; }

    public bool IdentitiesOnly { get; init; }

    public IReadOnlyList<string> CertificateFiles { get; init; } = [];

    public bool BatchMode { get; init; }

    public bool PasswordAuthentication { get; init; }

    public IReadOnlyList<string> KexAlgorithms { get; init; } = [];

    /// <summary>Seconds; 0 when ssh_config set none.</summary>
    public int ServerAliveInterval { get; init; }

    public int ServerAliveCountMax { get; init; } = 3;
}
