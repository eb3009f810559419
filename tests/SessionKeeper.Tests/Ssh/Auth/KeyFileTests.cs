using SessionKeeper.Ssh.Auth;
using SessionKeeper.Tests.Ssh.HostKeys;

namespace SessionKeeper.Tests.Ssh.Auth;

/// <summary>What is known of a private key file before its passphrase: checked on keys from the real ssh-keygen.</summary>
public sealed class KeyFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Generate(string name, string type, string passphrase = "", string format = "RFC4716")
    {
        var path = _dir.File(name);
        SshKeygen.RunChecked("-q", "-t", type, "-N", passphrase, "-m", format, "-f", path);
        return path;
    }

    [Theory]
    [InlineData("ed25519", "")]
    [InlineData("ed25519", "secret")]
    [InlineData("ecdsa", "secret")]
    [InlineData("rsa", "secret")]
    public void An_openssh_key_reveals_its_public_key_even_encrypted_and_without_pub(string type, string passphrase)
    {
        var path = Generate("k", type, passphrase);
        var expected = KeyFile.ReadPublicKeyFile(path + ".pub");
        File.Delete(path + ".pub");

        var file = KeyFile.Inspect(path)!;

        Assert.Equal(expected, file.PublicKey);
        Assert.Equal(passphrase.Length > 0, file.Encrypted);
    }

    [Fact]
    public void A_pem_key_needs_its_pub_file_and_says_whether_it_is_encrypted()
    {
        var path = Generate("pem", "rsa", "secret", "PEM");
        var withPub = KeyFile.Inspect(path)!;
        File.Delete(path + ".pub");
        var withoutPub = KeyFile.Inspect(path)!;

        Assert.True(withPub.Encrypted);
        Assert.Equal("ssh-rsa", withPub.KeyType);
        Assert.True(withoutPub.Encrypted);
        Assert.Null(withoutPub.PublicKey);
    }

    [Fact]
    public void A_missing_file_is_null()
    {
        Assert.Null(KeyFile.Inspect(_dir.File("nothing")));
    }

    [Fact]
    public void A_user_certificate_names_the_key_it_certifies()
    {
        var ca = Generate("ca", "ed25519");
        var key = Generate("user", "ed25519");
        SshKeygen.RunChecked("-q", "-s", ca, "-I", "id", "-n", "someone", key + ".pub");

        var certificate = CertificateFile.Read(key + "-cert.pub")!;

        Assert.Equal("ssh-ed25519-cert-v01@openssh.com", certificate.KeyType);
        Assert.Equal(KeyFile.ReadPublicKeyFile(key + ".pub"), certificate.CertifiedKey);
        Assert.Null(CertificateFile.Read(key + ".pub"));
    }
}
