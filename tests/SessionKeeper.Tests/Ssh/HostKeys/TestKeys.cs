namespace SessionKeeper.Tests.Ssh.HostKeys;

/// <summary>
/// Throwaway keys made once per test run by the real ssh-keygen; only the public halves are kept
/// in memory and the directory is deleted straight away.
/// </summary>
internal static class TestKeys
{
    private static readonly Lazy<TestKey[]> Keys = new(Create);

    public static TestKey Ed25519A => Keys.Value[0];

    public static TestKey Ed25519B => Keys.Value[1];

    public static TestKey Ed25519C => Keys.Value[2];

    public static TestKey RsaA => Keys.Value[3];

    public static TestKey RsaB => Keys.Value[4];

    public static TestKey Ecdsa256 => Keys.Value[5];

    public static TestKey Ecdsa384 => Keys.Value[6];

    private static TestKey[] Create()
    {
        using var dir = new TempDirectory();
        return
        [
            SshKeygen.Generate(dir.Path, "ed25519"),
            SshKeygen.Generate(dir.Path, "ed25519"),
            SshKeygen.Generate(dir.Path, "ed25519"),
            SshKeygen.Generate(dir.Path, "rsa", 2048),
            SshKeygen.Generate(dir.Path, "rsa", 2048),
            SshKeygen.Generate(dir.Path, "ecdsa", 256),
            SshKeygen.Generate(dir.Path, "ecdsa", 384),
        ];
    }
}
