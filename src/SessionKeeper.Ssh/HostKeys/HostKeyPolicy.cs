namespace SessionKeeper.Ssh.HostKeys;

/// <summary>Where a host key is looked up: the host and port connected to, or a HostKeyAlias.</summary>
/// <param name="Host">The host name (ssh_config HostName), lower case.</param>
/// <param name="Port">The TCP port of the host (not of any local forward in front of it).</param>
/// <param name="Alias">ssh_config HostKeyAlias: looked up verbatim, without a port; also the name a host certificate must list.</param>
internal sealed record HostKeyLookup(string Host, int Port, string? Alias = null)
{
    /// <summary>The name as known_hosts has it: the alias, <c>host</c>, or <c>[host]:port</c>.</summary>
    public string Name => Alias ?? KnownHostsDatabase.FormatHostPattern(Host, Port);

    /// <summary>The name a host certificate's principals must include.</summary>
    public string CertificateName => Alias ?? Host;
}

/// <summary>What <see cref="HostKeyPolicy.Check"/> decided, and why.</summary>
/// <param name="Match">Trusted, Unknown, Changed or Revoked.</param>
/// <param name="Detail">The file:line that decided, or which other keys are known, for messages.</param>
/// <param name="CertificateProblem">Why a presented host certificate was not accepted (null if none was, or it was fine).</param>
internal sealed record HostKeyDecision(HostKeyMatch Match, string? Detail, string? CertificateProblem = null);

/// <summary>
/// The read-only part of OpenSSH 9.2's <c>check_host_key()</c>, for one presented key:
/// <list type="bullet">
/// <item>A certificate is trusted when a matching <c>@cert-authority</c> line lists its CA and the
/// certificate is a host certificate, currently valid, for this host (principals) and without
/// critical options. Otherwise the certified key is checked as a plain key.</item>
/// <item>A plain key is trusted when a plain line records it; a plain line with any other key
/// (of any type, as OpenSSH compares) makes it Changed; nothing makes it Unknown.</item>
/// <item><c>@revoked</c> (the key, or the certificate's CA) wins over everything and is final.</item>
/// <item>Without a HostKeyAlias, a host on a port other than 22 that is Unknown under
/// <c>[host]:port</c> is also looked up under plain <c>host</c> (where only a trusted key counts).</item>
/// </list>
/// </summary>
internal static class HostKeyPolicy
{
    public static HostKeyDecision Check(
        KnownHostsDatabase database,
        HostKeyLookup lookup,
        string keyType,
        byte[] keyBlob,
        HostCertificate? certificate,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(lookup);
        var (host, port) = lookup.Alias is { } alias ? (alias, 22) : (lookup.Host, lookup.Port);
        var portless = lookup.Alias is null && lookup.Port != 22;
        return CheckAt(database, host, port, portless ? lookup.Host : null, lookup.CertificateName, keyType, keyBlob, certificate, now);
    }

    private static HostKeyDecision CheckAt(
        KnownHostsDatabase database,
        string host,
        int port,
        string? portlessHost,
        string certificateName,
        string keyType,
        byte[] keyBlob,
        HostCertificate? certificate,
        DateTimeOffset now)
    {
        string? certificateProblem = null;
        if (certificate is not null)
        {
            var entries = database.EntriesFor(host, port);
            var revoked = entries.FirstOrDefault(e => e.Marker == KnownHostsMarker.Revoked
                && (e.HasBlob(keyBlob) || e.HasBlob(certificate.CertificateAuthorityKey)));
            if (revoked is not null)
            {
                return new(HostKeyMatch.Revoked, revoked.Location, "the certificate or its CA is revoked");
            }

            var authorities = entries.Where(e => e.Marker == KnownHostsMarker.CertificateAuthority).ToList();
            var authority = authorities.FirstOrDefault(e => e.HasBlob(certificate.CertificateAuthorityKey));
            if (authority is not null)
            {
                certificateProblem = certificate.Problem(certificateName, now);
                if (certificateProblem is null)
                {
                    return new(HostKeyMatch.Trusted, $"certificate signed by the @cert-authority in {authority.Location}");
                }

                certificateProblem += $" (CA in {authority.Location})";
            }
            else
            {
                certificateProblem = authorities.Count > 0
                    ? $"its CA is not the @cert-authority listed for {host} ({string.Join(", ", authorities.Select(a => a.Location))})"
                    : "no @cert-authority is listed for " + KnownHostsDatabase.FormatHostPattern(host, port);
                if (authorities.Count == 0 && portlessHost is not null
                    && CheckAt(database, portlessHost, 22, null, certificateName, keyType, keyBlob, certificate, now) is { Match: HostKeyMatch.Trusted } viaHost)
                {
                    return viaHost;
                }
            }
        }

        var plain = Plain(database, host, port, keyType, keyBlob);
        if (plain.Match == HostKeyMatch.Unknown && portlessHost is not null
            && Plain(database, portlessHost, 22, keyType, keyBlob) is { Match: HostKeyMatch.Trusted } byHost)
        {
            return byHost with { CertificateProblem = certificateProblem };
        }

        return plain with { CertificateProblem = certificateProblem };
    }

    private static HostKeyDecision Plain(KnownHostsDatabase database, string host, int port, string keyType, byte[] keyBlob)
    {
        var verdict = database.Check(host, port, keyType, keyBlob);
        if (verdict.Match != HostKeyMatch.Unknown)
        {
            return new(verdict.Match, verdict.Detail);
        }

        // OpenSSH compares the presented key with every plain key of the host, whatever its type:
        // a host known only by keys the server no longer offers has changed, it is not new.
        var others = database.EntriesFor(host, port).Where(e => e.Marker == KnownHostsMarker.None).ToList();
        return others.Count > 0
            ? new(HostKeyMatch.Changed, string.Join(", ", others.Select(e => $"{e.KeyType} key in {e.Location}")))
            : new(HostKeyMatch.Unknown, null);
    }
}
