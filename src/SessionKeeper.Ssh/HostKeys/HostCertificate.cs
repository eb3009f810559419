namespace SessionKeeper.Ssh.HostKeys;

/// <summary>
/// The parts of an OpenSSH certificate a client must check itself (PROTOCOL.certkeys). SSH.NET
/// checks the CA's signature and the validity dates of a host certificate, but not whether the CA
/// is trusted for the host, nor the certificate type, nor the principals.
/// </summary>
/// <param name="CertificateAuthorityKey">The CA's public key blob (the "signature key").</param>
/// <param name="IsHostCertificate">Type 2 (host), not 1 (user).</param>
/// <param name="Principals">Host names the certificate is valid for; empty means any host.</param>
/// <param name="ValidAfter">Unix seconds.</param>
/// <param name="ValidBefore">Unix seconds (exclusive, as OpenSSH checks it).</param>
/// <param name="CriticalOptions">Critical option names; a host certificate with any is refused.</param>
internal sealed record HostCertificate(
    byte[] CertificateAuthorityKey,
    bool IsHostCertificate,
    IReadOnlyList<string> Principals,
    ulong ValidAfter,
    ulong ValidBefore,
    IReadOnlyList<string> CriticalOptions)
{
    /// <summary>
    /// <c>sshkey_cert_check_host()</c> of OpenSSH 9.2: null when the certificate is valid for
    /// <paramref name="hostName"/> at <paramref name="now"/>, else the reason, in OpenSSH's words.
    /// Principals are compared exactly (no wildcards), as ssh does for host certificates.
    /// </summary>
    public string? Problem(string hostName, DateTimeOffset now)
    {
        var time = (ulong)Math.Max(0, now.ToUnixTimeSeconds());
        if (!IsHostCertificate)
        {
            return "Certificate invalid: not a host certificate";
        }

        if (time < ValidAfter)
        {
            return "Certificate invalid: not yet valid";
        }

        if (time >= ValidBefore)
        {
            return "Certificate invalid: expired";
        }

        if (Principals.Count > 0 && !Principals.Contains(hostName, StringComparer.Ordinal))
        {
            return $"Certificate invalid: name is not a listed principal (host {hostName}, principals {string.Join(",", Principals)})";
        }

        return CriticalOptions.Count > 0 ? "Certificate contains unsupported critical options" : null;
    }
}
