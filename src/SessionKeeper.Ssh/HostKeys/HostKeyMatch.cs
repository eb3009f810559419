namespace SessionKeeper.Ssh.HostKeys;

/// <summary>Outcome of looking a server's host key up in the known_hosts files.</summary>
internal enum HostKeyMatch
{
    /// <summary>A plain entry for this host records exactly this key.</summary>
    Trusted,

    /// <summary>No plain entry for this host records a key of this type.</summary>
    Unknown,

    /// <summary>The host is recorded with a different key of the same type: possible man-in-the-middle.</summary>
    Changed,

    /// <summary>The key is listed by a matching <c>@revoked</c> line; it must never be trusted.</summary>
    Revoked,
}
