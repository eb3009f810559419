using SessionKeeper.Ssh;

namespace SessionKeeper.Tests.Ssh.HostKeys;

/// <summary>The host-key algorithms offered, in OpenSSH 9.2's order_hostkeyalgs() order.</summary>
public class AlgorithmOrderTests
{
    private static readonly string[] Plain = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "rsa-sha2-512", "rsa-sha2-256"];

    [Fact]
    public void Nothing_known_gives_the_default_order_without_certificates()
    {
        Assert.Equal(Plain, AlgorithmOrder.HostKeyAlgorithmsFor([], certificateAuthority: false, offerCertificates: false));
    }

    [Fact]
    public void A_host_known_by_its_rsa_key_is_asked_for_rsa_first()
    {
        var order = AlgorithmOrder.HostKeyAlgorithmsFor(["ssh-rsa"], false, false);

        Assert.Equal(["rsa-sha2-512", "rsa-sha2-256", "ssh-ed25519"], order.Take(3));
        Assert.DoesNotContain("ssh-rsa", order);
    }

    [Fact]
    public void A_certificate_authority_puts_certificates_first()
    {
        var order = AlgorithmOrder.HostKeyAlgorithmsFor(["ssh-rsa"], certificateAuthority: true, offerCertificates: true);

        Assert.StartsWith("ssh-ed25519-cert-v01@openssh.com", order[0], StringComparison.Ordinal);
        Assert.Equal("rsa-sha2-256-cert-v01@openssh.com", order[7]);
        Assert.Equal(["rsa-sha2-512", "rsa-sha2-256", "ssh-ed25519"], order.Skip(8).Take(3));
    }

    [Fact]
    public void Offered_certificates_without_a_ca_stay_behind_known_types()
    {
        var order = AlgorithmOrder.HostKeyAlgorithmsFor(["ssh-rsa"], certificateAuthority: false, offerCertificates: true);

        Assert.Equal(["rsa-sha2-512", "rsa-sha2-256", "ssh-ed25519-cert-v01@openssh.com"], order.Take(3));
    }

    [Fact]
    public void A_known_best_preference_type_keeps_the_list_verbatim_as_ssh_does()
    {
        var order = AlgorithmOrder.HostKeyAlgorithmsFor(["ssh-rsa", "ssh-ed25519"], certificateAuthority: false, offerCertificates: true);

        Assert.Equal(AlgorithmOrder.OpenSshHostKeyAlgorithms, order);
    }

    [Theory]
    [InlineData("rsa-sha2-512", "ssh-rsa")]
    [InlineData("rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa")]
    [InlineData("ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519")]
    [InlineData("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384")]
    public void Plain_key_type_of_an_algorithm(string algorithm, string keyType)
    {
        Assert.Equal(keyType, AlgorithmOrder.PlainKeyType(algorithm));
    }

    [Fact]
    public void Restrict_keeps_only_the_listed_names_in_their_order()
    {
        var algorithms = new Dictionary<string, int> { ["a"] = 1, ["b"] = 2, ["c"] = 3 };

        AlgorithmOrder.Restrict(algorithms, ["c", "x", "a"]);

        Assert.Equal(["c", "a"], algorithms.Keys);
    }
}
