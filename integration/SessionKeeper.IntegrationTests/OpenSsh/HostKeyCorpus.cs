using System.Globalization;

namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>What a known_hosts case may refer to: the server's keys, the CAs, stray keys.</summary>
public sealed record HostKeyMaterial(string Ed25519, string Rsa, string Ca, string OtherCa, string Stranger, string Ecdsa, int Port)
{
    /// <summary>How known_hosts names the server: [127.0.0.1]:port.</summary>
    public string Name => $"[127.0.0.1]:{Port.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// One known_hosts file to try: its lines, whether to hash it with ssh-keygen -H, a HostKeyAlias,
/// and the decision OpenSSH is expected to take (the test checks ssh agrees, then that we do).
/// </summary>
public sealed record HostKeyCase(string Name, HostCertificateKind Certificate, bool Accept, Func<HostKeyMaterial, string> Lines, bool Hash = false, string? Alias = null)
{
    public override string ToString() => Name;
}

/// <summary>The corpus: plain, hashed, wildcards, negation, [host]:port, @revoked and @cert-authority.</summary>
public static class HostKeyCorpus
{
    public static IReadOnlyList<HostKeyCase> Cases { get; } =
    [
        // Plain keys (the server also presents a valid certificate nobody here trusts).
        new("plain ed25519", HostCertificateKind.Valid, true, m => $"{m.Name} {m.Ed25519}"),
        new("plain rsa only", HostCertificateKind.Valid, true, m => $"{m.Name} {m.Rsa}"),
        new("hashed", HostCertificateKind.Valid, true, m => $"{m.Name} {m.Ed25519}", Hash: true),
        new("several keys, one right", HostCertificateKind.Valid, true, m => $"{m.Name} {m.Stranger}\n{m.Name} {m.Ed25519}"),
        new("wildcard ?", HostCertificateKind.Valid, true, m => $"[127.0.0.?]:{m.Port} {m.Ed25519}"),
        new("wildcard *", HostCertificateKind.Valid, true, m => $"* {m.Ed25519}"),
        new("wildcard port", HostCertificateKind.Valid, true, m => $"[127.0.0.1]:* {m.Ed25519}"),
        new("negated", HostCertificateKind.Valid, false, m => $"!{m.Name},!127.0.0.1,* {m.Ed25519}"),

        // ssh looks the host up without the port too, where this negation does not apply.
        new("negated with port only", HostCertificateKind.Valid, true, m => $"!{m.Name},* {m.Ed25519}"),
        new("negation of another host", HostCertificateKind.Valid, true, m => $"![10.0.0.1]:{m.Port},* {m.Ed25519}"),
        new("wrong port", HostCertificateKind.Valid, false, m => $"[127.0.0.1]:1 {m.Ed25519}"),
        new("without port", HostCertificateKind.Valid, true, m => $"127.0.0.1 {m.Ed25519}"),
        new("without port, other type", HostCertificateKind.Valid, false, m => $"127.0.0.1 {m.Rsa}"),
        new("hashed without port", HostCertificateKind.Valid, true, m => $"127.0.0.1 {m.Ed25519}", Hash: true),
        new("changed", HostCertificateKind.Valid, false, m => $"{m.Name} {m.Stranger}"),
        new("known only by a type the server lacks", HostCertificateKind.Valid, false, m => $"{m.Name} {m.Ecdsa}"),
        new("empty", HostCertificateKind.Valid, false, _ => ""),
        new("comments and garbage only", HostCertificateKind.Valid, false, m => $"# {m.Name} {m.Ed25519}\nnot a key line\n"),
        new("revoked, also listed", HostCertificateKind.Valid, false, m => $"@revoked {m.Name} {m.Ed25519}\n{m.Name} {m.Ed25519}"),
        new("revoked ed25519, rsa known", HostCertificateKind.Valid, true, m => $"@revoked * {m.Ed25519}\n{m.Name} {m.Rsa}"),
        new("revoked only", HostCertificateKind.Valid, false, m => $"@revoked {m.Name} {m.Ed25519}"),
        new("revoked CA, plain key known", HostCertificateKind.Valid, false, m => $"@revoked * {m.Ca}\n{m.Name} {m.Ed25519}"),

        // Host certificates.
        new("CA", HostCertificateKind.Valid, true, m => $"@cert-authority {m.Name} {m.Ca}"),
        new("CA for *", HostCertificateKind.Valid, true, m => $"@cert-authority * {m.Ca}"),
        new("CA hashed", HostCertificateKind.Valid, true, m => $"@cert-authority {m.Name} {m.Ca}", Hash: true),
        new("CA without port", HostCertificateKind.Valid, true, m => $"@cert-authority 127.0.0.1 {m.Ca}"),
        new("CA for another host", HostCertificateKind.Valid, false, m => $"@cert-authority [10.1.2.3]:{m.Port} {m.Ca}"),
        new("untrusted CA", HostCertificateKind.Valid, false, m => $"@cert-authority {m.Name} {m.OtherCa}"),
        new("untrusted CA, plain key known", HostCertificateKind.Valid, true, m => $"@cert-authority {m.Name} {m.OtherCa}\n{m.Name} {m.Ed25519}"),
        new("CA, but revoked", HostCertificateKind.Valid, false, m => $"@cert-authority {m.Name} {m.Ca}\n@revoked * {m.Ca}"),
        new("CA, host key revoked", HostCertificateKind.Valid, false, m => $"@cert-authority * {m.Ca}\n@revoked {m.Name} {m.Ed25519}"),
        new("CA, negated", HostCertificateKind.Valid, false, m => $"@cert-authority !{m.Name},!127.0.0.1,* {m.Ca}"),
        new("CA, negated with port only", HostCertificateKind.Valid, true, m => $"@cert-authority !{m.Name},* {m.Ca}"),

        // HostKeyAlias: looked up under the alias alone, and a certificate must name the alias.
        new("alias", HostCertificateKind.Valid, true, m => $"sk-alias {m.Ed25519}", Alias: "sk-alias"),
        new("alias, listed under the address", HostCertificateKind.Valid, false, m => $"{m.Name} {m.Ed25519}", Alias: "sk-alias"),
        new("alias, CA (principal is the address)", HostCertificateKind.Valid, false, m => $"@cert-authority sk-alias {m.Ca}", Alias: "sk-alias"),

        // An expired host certificate.
        new("CA, certificate expired", HostCertificateKind.Expired, false, m => $"@cert-authority {m.Name} {m.Ca}"),
        new("CA, certificate expired, plain key known", HostCertificateKind.Expired, true, m => $"@cert-authority {m.Name} {m.Ca}\n{m.Name} {m.Ed25519}"),
        new("certificate expired, no CA, plain key known", HostCertificateKind.Expired, true, m => $"{m.Name} {m.Ed25519}"),

        // A host certificate for another name.
        new("CA, wrong principal", HostCertificateKind.WrongPrincipal, false, m => $"@cert-authority {m.Name} {m.Ca}"),
        new("CA, wrong principal, plain key known", HostCertificateKind.WrongPrincipal, true, m => $"@cert-authority * {m.Ca}\n{m.Name} {m.Ed25519}"),
        new("CA, wrong principal, only rsa known", HostCertificateKind.WrongPrincipal, false, m => $"@cert-authority * {m.Ca}\n{m.Name} {m.Rsa}"),
    ];
}
