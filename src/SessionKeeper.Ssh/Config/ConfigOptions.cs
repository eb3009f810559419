namespace SessionKeeper.Ssh.Config;

/// <summary>
/// The settings obtained so far, OpenSSH's <c>Options</c> struct for the keywords we model. A null
/// field is "not set yet": the first obtained value wins, as in readconf.c.
/// </summary>
internal sealed class ConfigOptions
{
    public const int MaxIdentityFiles = 100;
    public const int MaxCertificateFiles = 100;
    public const int MaxHostsFiles = 32;

    public Sourced<string>? User { get; set; }

    public Sourced<string>? HostName { get; set; }

    public Sourced<int>? Port { get; set; }

    public Sourced<string>? HostKeyAlias { get; set; }

    public List<ConfiguredFile> IdentityFiles { get; } = [];

    public List<ConfiguredFile> CertificateFiles { get; } = [];

    public bool? IdentitiesOnly { get; set; }

    public bool? HashKnownHosts { get; set; }

    public bool? BatchMode { get; set; }

    /// <summary>Seconds; <c>none</c> leaves it unset, so a later line can still set it.</summary>
    public int? ConnectTimeout { get; set; }

    public int? ServerAliveInterval { get; set; }

    public int? ServerAliveCountMax { get; set; }

    public StrictHostKeyCheckingMode? StrictHostKeyChecking { get; set; }

    public List<string>? UserKnownHostsFiles { get; set; }

    /// <summary>Where <see cref="UserKnownHostsFiles"/> was obtained, for expansion errors.</summary>
    public SourceLocation UserKnownHostsSource { get; set; }

    public List<string>? GlobalKnownHostsFiles { get; set; }

    public Sourced<string>? KexAlgorithms { get; set; }

    public string? IgnoreUnknown { get; set; }

    /// <summary>The last ProxyJump hop (the one that connects to the target), or "none".</summary>
    public Sourced<string>? JumpHost { get; set; }

    public string? JumpUser { get; set; }

    /// <summary>-1 when the hop names no port; 0 for <c>ProxyJump none</c>.</summary>
    public int JumpPort { get; set; } = -1;

    /// <summary>The hops before the last one, verbatim as written (comma-separated).</summary>
    public string? JumpExtra { get; set; }

    public Sourced<string>? ProxyCommand { get; set; }

    public Sourced<string>? LocalCommand { get; set; }

    public Sourced<bool>? PermitLocalCommand { get; set; }

    public Sourced<string>? RemoteCommand { get; set; }

    public Sourced<string>? ControlMaster { get; set; }

    public Sourced<string>? ControlPath { get; set; }

    public Sourced<string>? CanonicalizeHostname { get; set; }

    public Sourced<string>? KnownHostsCommand { get; set; }

    public Sourced<string>? IdentityAgent { get; set; }

    public Sourced<string>? RevokedHostKeys { get; set; }

    public Sourced<string>? Pkcs11Provider { get; set; }

    public Sourced<string>? BindAddress { get; set; }

    public Sourced<string>? BindInterface { get; set; }

    /// <summary><c>add_identity_file()</c>/<c>add_certificate_file()</c>: duplicates are dropped.</summary>
    public static void AddFile(List<ConfiguredFile> files, ConfiguredFile file)
    {
        if (!files.Any(f => f.UserProvided == file.UserProvided && f.Path == file.Path))
        {
            files.Add(file);
        }
    }
}

/// <summary>
/// An IdentityFile or CertificateFile as written. <see cref="UserProvided"/> is OpenSSH's flag:
/// true from the user's config (or -F, or -o), false from the system config and the defaults;
/// duplicates are only dropped when the flag matches too.
/// </summary>
internal sealed record ConfiguredFile(string Path, bool UserProvided, SourceLocation Source);
