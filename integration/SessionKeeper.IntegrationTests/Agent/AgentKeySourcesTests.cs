using System.Security.Cryptography;
using SessionKeeper.Ssh.Agent;

namespace SessionKeeper.IntegrationTests.Agent;

/// <summary>What the key sources offer SSH.NET, and that their signatures hold, against a real ssh-agent.</summary>
public sealed class AgentKeySourcesTests(AgentKeyRing ring) : IClassFixture<AgentKeyRing>
{
    public static TheoryData<string, string[]> OfferedAlgorithms => new()
    {
        { "ssh-ed25519", ["ssh-ed25519"] },
        { "ecdsa-sha2-nistp256", ["ecdsa-sha2-nistp256"] },
        { "ecdsa-sha2-nistp384", ["ecdsa-sha2-nistp384"] },
        { "ecdsa-sha2-nistp521", ["ecdsa-sha2-nistp521"] },
        { "ssh-rsa", ["rsa-sha2-512", "rsa-sha2-256"] },
        { "ssh-ed25519-cert-v01@openssh.com", ["ssh-ed25519-cert-v01@openssh.com"] },
        { "ecdsa-sha2-nistp256-cert-v01@openssh.com", ["ecdsa-sha2-nistp256-cert-v01@openssh.com"] },
        { "ecdsa-sha2-nistp384-cert-v01@openssh.com", ["ecdsa-sha2-nistp384-cert-v01@openssh.com"] },
        { "ecdsa-sha2-nistp521-cert-v01@openssh.com", ["ecdsa-sha2-nistp521-cert-v01@openssh.com"] },
        { "ssh-rsa-cert-v01@openssh.com", ["rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com"] },
    };

    [Theory(Timeout = 60000)]
    [MemberData(nameof(OfferedAlgorithms))]
    public async Task Each_key_type_offers_its_algorithms_and_rsa_never_offers_sha1(string keyType, string[] expected)
    {
        using var agent = ring.Agent.Connect();

        var source = (await Task.Run(() => AgentKeySources.Create(agent))).Cast<AgentKeySource>().Single(s => s.Identity.KeyType == keyType);

        Assert.Equal(expected, source.HostKeyAlgorithms.Select(algorithm => algorithm.Name));
        Assert.All(source.HostKeyAlgorithms, algorithm => Assert.Equal(source.Identity.PublicKeyBlob, algorithm.Data));
        Assert.True(AgentKeySources.IsSupported(keyType));
    }

    [Fact(Timeout = 60000)]
    public async Task One_source_per_identity_in_the_agents_order()
    {
        using var agent = ring.Agent.Connect();
        var identities = await Task.Run(agent.ListIdentities);

        var sources = await Task.Run(() => AgentKeySources.Create(agent));

        Assert.Equal(identities.Select(i => i.Fingerprint + i.KeyType), sources.Cast<AgentKeySource>().Select(s => s.Identity.Fingerprint + s.Identity.KeyType));
    }

    [Fact(Timeout = 60000)]
    public async Task Create_with_identities_keeps_only_those_and_skips_unsupported_types()
    {
        using var agent = ring.Agent.Connect();
        var identities = await Task.Run(agent.ListIdentities);
        var rsa = identities.Single(i => i.KeyType == "ssh-rsa");
        var dss = new AgentIdentity([0, 0, 0, 7, .. "ssh-dss"u8], "old", "ssh-dss");
        var fido = new AgentIdentity([0, 0, 0, 26, .. "sk-ssh-ed25519@openssh.com"u8], "fido", "sk-ssh-ed25519@openssh.com");

        var sources = AgentKeySources.Create(agent, [dss, rsa, fido]);

        Assert.Equal(rsa, Assert.IsType<AgentKeySource>(Assert.Single(sources)).Identity);
        Assert.False(AgentKeySources.IsSupported("ssh-dss"));
        Assert.False(AgentKeySources.IsSupported("sk-ssh-ed25519@openssh.com"));
    }

    [Fact(Timeout = 60000)]
    public async Task Every_offered_algorithm_signs_through_the_agent_and_verifies()
    {
        using var agent = ring.Agent.Connect();
        var sources = await Task.Run(() => AgentKeySources.Create(agent));
        var data = RandomNumberGenerator.GetBytes(300);
        var other = RandomNumberGenerator.GetBytes(300);

        var checkedAlgorithms = new List<string>();
        foreach (var algorithm in sources.SelectMany(source => source.HostKeyAlgorithms))
        {
            var signature = await Task.Run(() => algorithm.Sign(data));

            Assert.True(algorithm.VerifySignature(data, signature), algorithm.Name);
            Assert.False(algorithm.VerifySignature(other, signature), algorithm.Name);
            Assert.False(algorithm.VerifySignature(data, signature[..^1]), algorithm.Name);
            Assert.False(algorithm.VerifySignature(data, RandomNumberGenerator.GetBytes(signature.Length)), algorithm.Name);
            Assert.False(algorithm.VerifySignature(data, WithGarbageSignature(signature)), algorithm.Name);
            checkedAlgorithms.Add(algorithm.Name);
        }

        Assert.Equal(OfferedAlgorithms.SelectMany(row => (string[])row[1]).Order(), checkedAlgorithms.Order());
    }

    [Fact(Timeout = 60000)]
    public async Task A_sha2_signature_does_not_verify_as_the_other_sha2_algorithm()
    {
        using var agent = ring.Agent.Connect();
        var rsa = (await Task.Run(() => AgentKeySources.Create(agent))).Cast<AgentKeySource>().Single(s => s.Identity.KeyType == "ssh-rsa");
        var (sha512, sha256) = (rsa.HostKeyAlgorithms.First(), rsa.HostKeyAlgorithms.Last());
        var data = RandomNumberGenerator.GetBytes(64);

        var signature = await Task.Run(() => sha512.Sign(data));

        Assert.True(sha512.VerifySignature(data, signature));
        Assert.False(sha256.VerifySignature(data, signature));
    }

    /// <summary>The same algorithm name, then random bytes where the signature was.</summary>
    private static byte[] WithGarbageSignature(byte[] signature)
    {
        var garbage = (byte[])signature.Clone();
        var nameLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(garbage);
        RandomNumberGenerator.Fill(garbage.AsSpan(4 + nameLength + 4));
        return garbage;
    }
}
