namespace SessionKeeper.Tests.Ssh.Config;

/// <summary>What OpenSSH 9.2p1 (Debian 12) prints for an empty config, written out independently of the resolver.</summary>
internal static class OpenSshDefaults
{
    public static readonly string[] KexAlgorithms =
    [
        "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com", "curve25519-sha256",
        "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
        "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
        "diffie-hellman-group14-sha256",
    ];

    public static readonly string[] IdentityFiles =
    [
        "~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519", "~/.ssh/id_ed25519_sk",
        "~/.ssh/id_xmss", "~/.ssh/id_dsa",
    ];
}
