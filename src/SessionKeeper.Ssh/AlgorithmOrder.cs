namespace SessionKeeper.Ssh;

/// <summary>
/// Deliberate algorithm preferences. SSH.NET negotiates in the insertion order of its dictionaries,
/// so each is rebuilt with the preferred names first and the rest after, unchanged.
/// </summary>
internal static class AlgorithmOrder
{
    /// <summary>AES-GCM roughly doubles throughput over SSH.NET's default aes128-ctr.</summary>
    public static readonly string[] Ciphers =
        ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr"];

    /// <summary>
    /// ML-KEM hybrid first where servers offer it (post-quantum, and cheap); then curve25519, which
    /// costs about a third of sntrup761x25519 in client CPU (docs/GROUND.md, "SSH.NET"), then the rest.
    /// </summary>
    public static readonly string[] KeyExchange =
        ["mlkem768x25519-sha256", "curve25519-sha256", "curve25519-sha256@libssh.org", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com"];

    public static void Reorder<TValue>(IDictionary<string, TValue> algorithms, IEnumerable<string> preferred)
    {
        var entries = algorithms.ToList();
        var first = preferred.Where(algorithms.ContainsKey).ToList();
        algorithms.Clear();
        foreach (var name in first)
        {
            algorithms.Add(name, entries.First(e => e.Key == name).Value);
        }

        foreach (var (name, value) in entries)
        {
            if (!algorithms.ContainsKey(name))
            {
                algorithms.Add(name, value);
            }
        }
    }

    /// <summary>OpenSSH 9.2's default HostKeyAlgorithms (KEX_DEFAULT_PK_ALG), in its order.</summary>
    public static readonly string[] OpenSshHostKeyAlgorithms =
    [
        "ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
        "ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
        "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com",
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "rsa-sha2-512", "rsa-sha2-256",
    ];

    private const string CertificateSuffix = "-cert-v01@openssh.com";

    /// <summary>Drops every algorithm not in <paramref name="allowed"/>, then orders the rest like it.</summary>
    public static void Restrict<TValue>(IDictionary<string, TValue> algorithms, IReadOnlyList<string> allowed)
    {
        foreach (var name in algorithms.Keys.Where(k => !allowed.Contains(k, StringComparer.Ordinal)).ToList())
        {
            algorithms.Remove(name);
        }

        Reorder(algorithms, allowed);
    }

    /// <summary>
    /// The host-key algorithms to offer, as OpenSSH 9.2's <c>order_hostkeyalgs()</c> orders its
    /// defaults: those of the key types known_hosts records for the host first, their certificate
    /// types included (every certificate type when a <c>@cert-authority</c> line concerns it), the
    /// rest after, default order kept. When
    /// neither a <c>@cert-authority</c> nor a <c>@revoked</c> line concerns the host
    /// (<paramref name="offerCertificates"/> false), certificate algorithms are left out: ssh would
    /// only downgrade such a certificate to its plain key, so asking for the plain key decides the
    /// same. Never SHA-1 <c>ssh-rsa</c> or DSA, which OpenSSH 9.2 does not offer.
    /// </summary>
    public static IReadOnlyList<string> HostKeyAlgorithmsFor(IEnumerable<string> knownKeyTypes, bool certificateAuthority, bool offerCertificates)
    {
        var known = knownKeyTypes.ToHashSet(StringComparer.Ordinal);
        var candidates = OpenSshHostKeyAlgorithms.Where(a => certificateAuthority || offerCertificates || !a.EndsWith(CertificateSuffix, StringComparison.Ordinal)).ToList();
        if (known.Contains(PlainKeyType(candidates[0])))
        {
            // ssh: "have matching best-preference key type, using HostkeyAlgorithms verbatim".
            return candidates;
        }

        // ssh: certificate types first when a CA concerns the host, and every type whose plain key
        // known_hosts has, certificate or not (a certificate is downgraded to its plain key).
        bool Preferred(string algorithm) =>
            (certificateAuthority && algorithm.EndsWith(CertificateSuffix, StringComparison.Ordinal)) || known.Contains(PlainKeyType(algorithm));
        return [.. candidates.Where(Preferred), .. candidates.Where(a => !Preferred(a))];
    }

    /// <summary>The key type of the keys an algorithm signs with: rsa-sha2-512 is ssh-rsa, a certificate its plain type.</summary>
    public static string PlainKeyType(string algorithm)
    {
        var plain = algorithm.EndsWith(CertificateSuffix, StringComparison.Ordinal) ? algorithm[..^CertificateSuffix.Length] : algorithm;
        return plain is "rsa-sha2-256" or "rsa-sha2-512" ? "ssh-rsa" : plain;
    }
}
