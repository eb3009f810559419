using System.Net.Sockets;
using System.Security.Cryptography;
using SessionKeeper.Ssh.Agent;

namespace SessionKeeper.IntegrationTests.Agent;

/// <summary>The agent protocol against a real OpenSSH ssh-agent.</summary>
public sealed class SshAgentClientTests(AgentKeyRing ring) : IClassFixture<AgentKeyRing>
{
    [Fact(Timeout = 60000)]
    public async Task ListIdentities_returns_each_key_then_its_certificate_as_ssh_add_loaded_them()
    {
        using var agent = ring.Agent.Connect();

        var identities = await Task.Run(agent.ListIdentities);

        var expected = ring.Keys.SelectMany(key => new[] { (key.KeyType, key.PublicKeyBlob), (key.CertificateType, key.CertificateBlob) });
        Assert.Equal(
            expected.Select(e => (e.Item1, Convert.ToBase64String(e.Item2))),
            identities.Select(i => (i.KeyType, Convert.ToBase64String(i.PublicKeyBlob))));
        Assert.All(identities, identity => Assert.Contains("sk-agent-test", identity.Comment, StringComparison.Ordinal));
        Assert.Equal(ring.Keys.Select(key => key.CertificateType), identities.Where(i => i.IsCertificate).Select(i => i.KeyType));
    }

    [Fact(Timeout = 60000)]
    public async Task Fingerprint_is_what_ssh_keygen_prints_for_keys_and_certificates()
    {
        using var agent = ring.Agent.Connect();
        var identities = await Task.Run(agent.ListIdentities);

        foreach (var key in ring.Keys)
        {
            var plain = identities.Single(i => i.KeyType == key.KeyType);
            var certificate = identities.Single(i => i.KeyType == key.CertificateType);
            Assert.Equal(await AgentKeyGen.FingerprintAsync(key.PublicKeyPath), plain.Fingerprint);
            // OpenSSH prints the certified key's fingerprint for a certificate too.
            Assert.Equal(await AgentKeyGen.FingerprintAsync(key.CertificatePath), certificate.Fingerprint);
            Assert.Equal(plain.Fingerprint, certificate.Fingerprint);
            Assert.Equal($"{key.KeyType} {plain.Fingerprint} {plain.Comment}", plain.ToString());
        }
    }

    [Fact(Timeout = 60000)]
    public async Task Sign_returns_a_signature_blob_that_dotnet_verifies_with_the_public_key()
    {
        using var agent = ring.Agent.Connect();
        var ecdsa = (await Task.Run(agent.ListIdentities)).Single(i => i.KeyType == "ecdsa-sha2-nistp256");
        var data = RandomNumberGenerator.GetBytes(200);

        var signature = await Task.Run(() => agent.Sign(ecdsa, data, AgentSignatureFlags.None));

        // Independent of SSH.NET: the blob is string "ecdsa-sha2-nistp256", string (mpint r, mpint s).
        var (name, inner) = SplitSignature(signature);
        Assert.Equal("ecdsa-sha2-nistp256", name);
        Span<byte> rest = inner;
        var r = Unsigned(ReadString(ref rest));
        var s = Unsigned(ReadString(ref rest));
        Span<byte> publicKey = ecdsa.PublicKeyBlob;
        _ = ReadString(ref publicKey); // "ecdsa-sha2-nistp256"
        _ = ReadString(ref publicKey); // "nistp256"
        var q = ReadString(ref publicKey).ToArray(); // 0x04 || X || Y
        using var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = q[1..33], Y = q[33..65] },
        });
        var ieee = new byte[64];
        r.CopyTo(ieee.AsSpan(32 - r.Length));
        s.CopyTo(ieee.AsSpan(64 - s.Length));
        Assert.True(key.VerifyData(data, ieee, HashAlgorithmName.SHA256));
    }

    [Fact(Timeout = 60000)]
    public async Task Sign_with_a_key_the_agent_does_not_hold_is_refused_and_the_connection_stays_usable()
    {
        var directory = ring.NewSubdirectory("stranger");
        var strangerPath = Path.Combine(directory, "id_stranger");
        await AgentKeyGen.GenerateAsync(strangerPath, "ed25519");
        var strangerBlob = new AgentTestKey("ssh-ed25519", strangerPath).PublicKeyBlob;
        using var agent = ring.Agent.Connect();

        var refused = await Assert.ThrowsAsync<SshAgentException>(() =>
            Task.Run(() => agent.Sign(new AgentIdentity(strangerBlob, "", "ssh-ed25519"), [1, 2, 3], AgentSignatureFlags.None)));

        Assert.Equal(AgentFailureKind.Refused, refused.Kind);
        Assert.Contains(agent.SocketPath, refused.Message, StringComparison.Ordinal);
        Assert.Equal(10, (await Task.Run(agent.ListIdentities)).Count);
    }

    [Fact(Timeout = 60000)]
    public async Task Concurrent_requests_on_one_connection_are_serialised()
    {
        using var agent = ring.Agent.Connect();
        var identities = await Task.Run(agent.ListIdentities);
        var ed25519 = identities.Single(i => i.KeyType == "ssh-ed25519");
        var rsa = identities.Single(i => i.KeyType == "ssh-rsa");

        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 20; i++)
            {
                var (identity, flags, algorithm) = ((worker + i) % 3) switch
                {
                    0 => (ed25519, AgentSignatureFlags.None, "ssh-ed25519"),
                    1 => (rsa, AgentSignatureFlags.RsaSha512, "rsa-sha2-512"),
                    _ => (rsa, AgentSignatureFlags.RsaSha256, "rsa-sha2-256"),
                };
                Assert.Equal(algorithm, SplitSignature(agent.Sign(identity, BitConverter.GetBytes((worker * 100) + i), flags)).Name);
                Assert.Equal(10, agent.ListIdentities().Count);
            }
        }));

        await Task.WhenAll(workers);
    }

    [Fact(Timeout = 60000)]
    public async Task Without_sha2_flags_the_agent_signs_rsa_with_sha1_ssh_rsa()
    {
        // Why the flags matter: this is the SHA-1 signature AgentKeySources never asks for.
        using var agent = ring.Agent.Connect();
        var rsa = (await Task.Run(agent.ListIdentities)).Single(i => i.KeyType == "ssh-rsa");

        var signature = await Task.Run(() => agent.Sign(rsa, [42], AgentSignatureFlags.None));

        Assert.Equal("ssh-rsa", SplitSignature(signature).Name);
    }

    [Fact(Timeout = 60000)]
    public async Task An_empty_agent_lists_no_identities()
    {
        await using var empty = await SshAgentProcess.StartAsync(ring.NewSubdirectory("empty"));
        using var agent = empty.Connect();

        Assert.Empty(await Task.Run(agent.ListIdentities));
        Assert.Empty(await Task.Run(() => AgentKeySources.Create(agent)));
    }

    [Fact(Timeout = 60000)]
    public async Task A_dead_agent_fails_with_ConnectionLost_and_the_client_stays_failed()
    {
        await using var doomed = await SshAgentProcess.StartAsync(ring.NewSubdirectory("doomed"));
        using var agent = doomed.Connect();
        Assert.Empty(await Task.Run(agent.ListIdentities));

        await doomed.KillAsync();

        var lost = await Assert.ThrowsAsync<SshAgentException>(() => Task.Run(agent.ListIdentities));
        Assert.Equal(AgentFailureKind.ConnectionLost, lost.Kind);
        var again = await Assert.ThrowsAsync<SshAgentException>(() => Task.Run(agent.ListIdentities));
        Assert.Equal(AgentFailureKind.ConnectionLost, again.Kind);
        Assert.Null(SshAgentClient.TryConnect(doomed.SocketPath));
    }

    [Fact(Timeout = 60000)]
    public async Task A_disposed_client_throws_ObjectDisposedException()
    {
        var agent = ring.Agent.Connect();
        agent.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => Task.Run(agent.ListIdentities));
    }

    [Fact(Timeout = 60000)]
    public async Task TryConnect_returns_null_where_no_agent_listens()
    {
        var directory = ring.NewSubdirectory("nothing");
        var stalePath = Path.Combine(directory, "stale.sock");
        using (var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            listener.Bind(new UnixDomainSocketEndPoint(stalePath)); // the file stays, nobody listens
        }

        await Task.Run(() =>
        {
            Assert.Null(SshAgentClient.TryConnect(""));
            Assert.Null(SshAgentClient.TryConnect(Path.Combine(directory, "missing.sock")));
            Assert.Null(SshAgentClient.TryConnect(stalePath));
            Assert.Null(SshAgentClient.TryConnect(Path.Combine(directory, new string('x', 200))));
        });
    }

    [Fact(Timeout = 60000)]
    public async Task TryConnect_without_a_path_uses_SSH_AUTH_SOCK()
    {
        // The variable is process-wide and other tests run in parallel: it is given through the
        // environment reader, never set. A live agent must be found; an unset variable means none.
        string? Variable(string name, string? value) => name == "SSH_AUTH_SOCK" ? value : null;

        using var agent = await Task.Run(() => SshAgentClient.TryConnect(null, name => Variable(name, ring.Agent.SocketPath)));
        Assert.NotNull(agent);
        Assert.Equal(ring.Agent.SocketPath, agent.SocketPath);
        Assert.NotNull(await Task.Run(agent.ListIdentities));

        Assert.Null(await Task.Run(() => SshAgentClient.TryConnect(null, name => Variable(name, null))));
        Assert.Null(await Task.Run(() => SshAgentClient.TryConnect(null, name => Variable(name, ""))));
    }

    private static (string Name, byte[] Signature) SplitSignature(byte[] blob)
    {
        var span = blob.AsSpan();
        var name = System.Text.Encoding.ASCII.GetString(ReadString(ref span));
        var signature = ReadString(ref span).ToArray();
        Assert.True(span.IsEmpty);
        return (name, signature);
    }

    private static ReadOnlySpan<byte> ReadString(ref Span<byte> span)
    {
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(span);
        var value = span.Slice(4, length);
        span = span[(4 + length)..];
        return value;
    }

    private static byte[] Unsigned(ReadOnlySpan<byte> mpint) => [.. mpint.TrimStart((byte)0)];
}
