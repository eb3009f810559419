using System.Text.Json.Serialization;

namespace SessionKeeper.Core.Journal;

/// <summary>
/// How to reach a job's host again, from a brand-new process: recorded at launch, as the transport
/// described it, and stored in the journal whole (jobs.target_json).
/// </summary>
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

    /// <summary>user@host, with :port when it is not 22.</summary>
    [JsonIgnore]
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

    /// <summary>GlobalKnownHostsFile: known_hosts files read but never written.</summary>
    public IReadOnlyList<string> GlobalKnownHostsFiles { get; init; } = [];

    /// <summary>"yes", "accept-new", "ask" or "no".</summary>
    public string StrictHostKeyChecking { get; init; } = "yes";

    /// <summary>HashKnownHosts: new known_hosts entries are hashed.</summary>
    public bool HashKnownHosts { get; init; }

    /// <summary>HostKeyAlias: the name host keys are looked up and recorded under.</summary>
    public string? HostKeyAlias { get; init; }

    /// <summary>Keys from an ssh-agent are offered.</summary>
    public bool UseAgent { get; init; }

    /// <summary>IdentitiesOnly: only the identity files are offered, not every agent key.</summary>
    public bool IdentitiesOnly { get; init; }

    /// <summary>CertificateFile: certificates offered with their keys.</summary>
    public IReadOnlyList<string> CertificateFiles { get; init; } = [];

    /// <summary>BatchMode: no question is ever asked (passphrases, unknown host keys).</summary>
    public bool BatchMode { get; init; }

    /// <summary>PasswordAuthentication: a password may be asked for.</summary>
    public bool PasswordAuthentication { get; init; }

    /// <summary>KexAlgorithms, in the order of preference; empty for the library's defaults.</summary>
    public IReadOnlyList<string> KexAlgorithms { get; init; } = [];

    /// <summary>Seconds; 0 when ssh_config set none.</summary>
    public int ServerAliveInterval { get; init; }

    /// <summary>ServerAliveCountMax: missed keepalives before the link counts as dead.</summary>
    public int ServerAliveCountMax { get; init; } = 3;
}
