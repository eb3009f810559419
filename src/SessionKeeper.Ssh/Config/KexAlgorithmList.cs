namespace SessionKeeper.Ssh.Config;

/// <summary>
/// KexAlgorithms as OpenSSH assembles it (kex.c's <c>kex_assemble_names()</c>): an explicit list,
/// <c>+list</c> appended to the default, <c>-patterns</c> removed from it, or <c>^list</c> placed at
/// its head.
/// </summary>
internal static class KexAlgorithmList
{
    /// <summary>OpenSSH 9.2p1's client default as built by Debian 12 (<c>ssh -G</c> prints it).</summary>
    public static readonly string[] Default =
    [
        "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com", "curve25519-sha256",
        "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
        "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
        "diffie-hellman-group14-sha256",
    ];

    /// <summary>
    /// Every name accepted, in <c>ssh -Q kex</c> order (9.2p1), followed by names of later releases
    /// (ML-KEM hybrids) so that configs written for newer clients still resolve.
    /// </summary>
    public static readonly string[] Supported =
    [
        "diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group14-sha256",
        "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512", "diffie-hellman-group-exchange-sha1",
        "diffie-hellman-group-exchange-sha256", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
        "curve25519-sha256", "curve25519-sha256@libssh.org", "sntrup761x25519-sha512",
        "sntrup761x25519-sha512@openssh.com", "mlkem768x25519-sha256", "mlkem768nistp256-sha256",
        "mlkem1024nistp384-sha384",
    ];

    /// <summary><c>kex_names_valid()</c>: every name (up to the first empty one) is a known algorithm.</summary>
    public static bool NamesValid(string names)
    {
        if (names.Length == 0)
        {
            return false;
        }

        foreach (var name in names.Split(','))
        {
            if (name.Length == 0)
            {
                break;
            }

            if (!Supported.Contains(name, StringComparer.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The resulting algorithm list for a KexAlgorithms value, or null when it is empty.</summary>
    public static IReadOnlyList<string>? Assemble(string spec)
    {
        if (spec.Length == 0)
        {
            return Default;
        }

        if (spec[0] == '-')
        {
            var removal = spec[1..];
            return [.. Default.Where(name => HostPatterns.MatchList(name, removal, lowerPatterns: false) != 1)];
        }

        IEnumerable<string> list = spec[0] switch
        {
            '+' => Concat(Default, spec[1..].Split(',')),
            '^' => Concat(spec[1..].Split(','), Default),
            _ => spec.Split(','),
        };

        var result = new List<string>();
        foreach (var pattern in list)
        {
            if (pattern.StartsWith('!'))
            {
                return null;
            }

            foreach (var name in Supported.Where(s => HostPatterns.MatchList(s, pattern, lowerPatterns: false) == 1))
            {
                if (!result.Contains(name, StringComparer.Ordinal))
                {
                    result.Add(name);
                }
            }
        }

        return result.Count == 0 ? null : result;
    }

    /// <summary><c>kex_names_cat()</c>: appends the names of <paramref name="b"/> not already in <paramref name="a"/>.</summary>
    private static List<string> Concat(IEnumerable<string> a, IEnumerable<string> b)
    {
        var result = a.Where(n => n.Length > 0).ToList();
        foreach (var name in b)
        {
            if (name.Length == 0)
            {
                break;
            }

            if (!result.Contains(name, StringComparer.Ordinal))
            {
                result.Add(name);
            }
        }

        return result;
    }
}
