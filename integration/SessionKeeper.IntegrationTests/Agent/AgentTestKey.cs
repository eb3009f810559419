namespace SessionKeeper.IntegrationTests.Agent;

/// <summary>A throwaway key pair made by ssh-keygen, with a user certificate beside it.</summary>
public sealed record AgentTestKey(string KeyType, string PrivateKeyPath)
{
    public string PublicKeyPath => PrivateKeyPath + ".pub";

    /// <summary>Where ssh-keygen -s writes the certificate, and where ssh-add looks for it.</summary>
    public string CertificatePath => PrivateKeyPath + "-cert.pub";

    public string CertificateType => KeyType + "-cert-v01@openssh.com";

    /// <summary>The key ID ssh-keygen -I put in the certificate; sshd logs it on login.</summary>
    public string CertificateId => "sk-agent-test-" + KeyType;

    public byte[] PublicKeyBlob => ReadBlob(PublicKeyPath);

    public byte[] CertificateBlob => ReadBlob(CertificatePath);

    public override string ToString() => KeyType;

    private static byte[] ReadBlob(string path) => Convert.FromBase64String(File.ReadAllText(path).Split(' ')[1]);
}
