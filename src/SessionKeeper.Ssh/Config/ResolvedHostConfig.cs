namespace SessionKeeper.Ssh.Config;

/// <summary>
/// The settings OpenSSH 9.2 would use to connect to one host, for the keywords SessionKeeper
/// honours. Paths are ready to use (tokens and ~ expanded) unless the property says otherwise.
/// </summary>
internal sealed partial record ResolvedHostConfig
{
    /// <summary>The host as given (<c>%n</c>); Host blocks matched against it.</summary>
    public required string OriginalHost { get; init; }

    /// <summary>The host to connect to: HostName (with %h expanded), lower-cased, or a canonical address.</summary>
    public required string HostName { get; init; }

    public required string User { get; init; }

    public required int Port { get; init; }

    /// <summary>Private key files to try, in order, expanded; <c>none</c> entries are dropped.</summary>
    public required IReadOnlyList<string> IdentityFiles { get; init; }

    /// <summary>IdentityFile values as written (what <c>ssh -G</c> prints); the defaults when none was set.</summary>
    public required IReadOnlyList<string> ConfiguredIdentityFiles { get; init; }

    /// <summary>True when no IdentityFile was configured and the default key names are used.</summary>
    public required bool IdentityFilesAreDefaults { get; init; }

    public required bool IdentitiesOnly { get; init; }

    /// <summary>
    /// Certificate files, expanded. When empty, ssh also tries <c>&lt;identity&gt;-cert</c> for each
    /// identity. Unlike IdentityFile, "none" is not special here: ssh looks for a file named none.
    /// </summary>
    public required IReadOnlyList<string> CertificateFiles { get; init; }

    /// <summary>CertificateFile values as written (what <c>ssh -G</c> prints).</summary>
    public required IReadOnlyList<string> ConfiguredCertificateFiles { get; init; }

    /// <summary>
    /// The ProxyJump hops, first hop first, as <c>ssh -G</c> prints them (the last hop normalised,
    /// the earlier ones verbatim); empty for none.
    /// </summary>
    public required IReadOnlyList<string> ProxyJump { get; init; }

    /// <summary><see cref="ProxyJump"/> parsed, first hop first.</summary>
    public required IReadOnlyList<SshJumpHost> ProxyJumpHosts { get; init; }

    /// <summary>
    /// The connect timeout; null for none. <c>ConnectTimeout 0</c> is also null: OpenSSH then waits
    /// for the operating system's own timeout.
    /// </summary>
    public TimeSpan? ConnectTimeout => ConnectTimeoutSeconds > 0 ? TimeSpan.FromSeconds(ConnectTimeoutSeconds) : null;

    /// <summary>ConnectTimeout in seconds as <c>ssh -G</c> has it: -1 for none.</summary>
    public required int ConnectTimeoutSeconds { get; init; }

    /// <summary>Seconds between keep-alive probes; 0 for none (300 by default in BatchMode on Debian).</summary>
    public required int ServerAliveInterval { get; init; }

    /// <summary>
    /// True when ServerAliveInterval was configured; false when <see cref="ServerAliveInterval"/>
    /// is a default (0, or Debian's 300 under BatchMode), which says nothing about the user's wishes.
    /// </summary>
    public bool ServerAliveIntervalIsSet { get; init; }

    public required int ServerAliveCountMax { get; init; }

    public required StrictHostKeyCheckingMode StrictHostKeyCheckingMode { get; init; }

    /// <summary>StrictHostKeyChecking as a config word: "yes", "no", "accept-new" or "ask" (true/false/off normalised).</summary>
    public string StrictHostKeyChecking => StrictHostKeyCheckingMode switch
    {
        StrictHostKeyCheckingMode.Yes => "yes",
        StrictHostKeyCheckingMode.No => "no",
        StrictHostKeyCheckingMode.AcceptNew => "accept-new",
        _ => "ask",
    };

    /// <summary>User known_hosts files, expanded; empty for <c>none</c>.</summary>
    public required IReadOnlyList<string> UserKnownHostsFiles { get; init; }

    /// <summary>Global known_hosts files, verbatim (OpenSSH expands nothing here); empty for <c>none</c>.</summary>
    public required IReadOnlyList<string> GlobalKnownHostsFiles { get; init; }

    /// <summary>The name to look up in known_hosts instead of the host name, lower-cased; null if unset.</summary>
    public string? HostKeyAlias { get; init; }

    public required bool HashKnownHosts { get; init; }

    /// <summary>
    /// Key exchange algorithms in preference order when KexAlgorithms is set (its +, - and ^ forms
    /// applied to OpenSSH 9.2's default list); empty when unset.
    /// </summary>
    public required IReadOnlyList<string> KexAlgorithms { get; init; }

    public required bool BatchMode { get; init; }

    /// <summary>False for <c>IdentityAgent none</c>: no agent keys are offered.</summary>
    public bool UsesAgent { get; init; } = true;

    /// <summary>The ProxyCommand in effect (verbatim), or null. It is also listed in <see cref="UnsupportedSettings"/>.</summary>
    public string? ProxyCommand { get; init; }

    /// <summary>
    /// Settings in effect that change security or routing and that SessionKeeper does not
    /// implement, as "Keyword (file:line)". A caller should refuse to connect while any is listed.
    /// </summary>
    public required IReadOnlyList<string> UnsupportedSettings { get; init; }
}
