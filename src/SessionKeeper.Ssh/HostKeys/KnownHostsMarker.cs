namespace SessionKeeper.Ssh.HostKeys;

/// <summary>The optional marker that starts a known_hosts line.</summary>
internal enum KnownHostsMarker
{
    /// <summary>A plain host key.</summary>
    None,

    /// <summary><c>@cert-authority</c>: the key is a CA that signs host certificates.</summary>
    CertificateAuthority,

    /// <summary><c>@revoked</c>: the key must never be accepted.</summary>
    Revoked,
}
