namespace SessionKeeper.Ssh.Config;

/// <summary>The keywords the resolver gives meaning to; every other valid keyword is <see cref="Other"/>.</summary>
internal enum ConfigKeyword
{
    Other,
    Host,
    Match,
    Include,
    User,
    HostName,
    Port,
    IdentityFile,
    CertificateFile,
    IdentitiesOnly,
    ProxyJump,
    ProxyCommand,
    ConnectTimeout,
    ServerAliveInterval,
    ServerAliveCountMax,
    StrictHostKeyChecking,
    UserKnownHostsFile,
    GlobalKnownHostsFile,
    HostKeyAlias,
    HashKnownHosts,
    KexAlgorithms,
    BatchMode,
    IgnoreUnknown,
    LocalCommand,
    PermitLocalCommand,
    RemoteCommand,
    ControlMaster,
    ControlPath,
    CanonicalizeHostname,
    KnownHostsCommand,
    IdentityAgent,
    RevokedHostKeys,
    Pkcs11Provider,
    BindAddress,
    BindInterface,
}

/// <summary>How a keyword's arguments are checked, the way readconf.c checks them.</summary>
internal enum ArgKind
{
    /// <summary>yes/no/true/false.</summary>
    Flag,

    /// <summary>One word from <see cref="KeywordSpec.Choices"/>, case-insensitive.</summary>
    Choice,

    /// <summary><c>none</c> or a <c>convtime()</c> duration.</summary>
    Time,

    /// <summary>0..int.MaxValue.</summary>
    Int,

    /// <summary>Exactly one non-empty argument.</summary>
    String,

    /// <summary>Between <see cref="KeywordSpec.Min"/> and <see cref="KeywordSpec.Max"/> arguments.</summary>
    Range,

    /// <summary>Any number of arguments, not checked further.</summary>
    Many,

    /// <summary>The rest of the line, verbatim (ProxyCommand and friends).</summary>
    Rest,

    /// <summary>Parsed by its own handler.</summary>
    Special,

    /// <summary>Deprecated or compiled out: accepted and ignored, whatever its arguments.</summary>
    Ignored,
}

internal sealed record KeywordSpec(string Name, ConfigKeyword Id, ArgKind Kind, string[]? Choices = null, int Min = 1, int Max = 1);
