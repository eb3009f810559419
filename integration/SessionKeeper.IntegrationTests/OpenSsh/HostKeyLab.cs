using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>The host certificate the lab's sshd presents (signed for its Ed25519 host key).</summary>
public enum HostCertificateKind
{
    /// <summary>Principal 127.0.0.1, valid always.</summary>
    Valid,

    /// <summary>Principal 127.0.0.1, valid only on 1-2 January 2020.</summary>
    Expired,

    /// <summary>Principal other.example only.</summary>
    WrongPrincipal,
}

/// <summary>
/// One sshd (LogLevel DEBUG, so every authentication request is logged) with an Ed25519 and an RSA
/// host key and an OpenSSH host certificate for the Ed25519 key (HostCertificate), a trusted CA, an
/// untrusted one, and stray keys to put in known_hosts.
/// </summary>
public sealed class HostKeyLab : IAsyncLifetime
{
    private readonly Dictionary<HostCertificateKind, string> _certificates = [];
    private SshdFixture? _sshd;
    private HostCertificateKind? _current;

    public OpenSshLab Lab { get; } = new();

    public SshdFixture Sshd => _sshd ?? throw new InvalidOperationException("sshd is not started.");

    public string Ca { get; private set; } = "";

    public string OtherCa { get; private set; } = "";

    /// <summary>An Ed25519 public key the server does not have.</summary>
    public string Stranger { get; private set; } = "";

    /// <summary>An ECDSA public key: a type the server has no key of.</summary>
    public string Ecdsa { get; private set; } = "";

    public string CertificatePath => Lab.PathOf("host-cert.pub");

    public async Task InitializeAsync()
    {
        var keys = await Task.WhenAll(
            Lab.KeyAsync("ca", "ed25519"),
            Lab.KeyAsync("other-ca", "ed25519"),
            Lab.KeyAsync("stranger", "ed25519"),
            Lab.KeyAsync("ecdsa", "ecdsa", 256));
        (Ca, OtherCa, Stranger, Ecdsa) = (keys[0], keys[1], keys[2] + ".pub", keys[3] + ".pub");

        // sshd starts without the certificate file (it only logs that it cannot load it), since
        // the certificate is for host keys the fixture makes at start.
        _sshd = await SshdFixture.StartAsync(new SshdOptions { ExtraConfig = $"HostCertificate {CertificatePath}\nLogLevel DEBUG" });
        var hostKey = Sshd.HostKeys[0];
        if (hostKey.Algorithm != "ssh-ed25519")
        {
            throw new InvalidOperationException($"expected the fixture's first host key to be Ed25519, not {hostKey.Algorithm}");
        }

        var copy = Lab.PathOf("host_ed25519.pub");
        File.Copy(hostKey.PublicKeyPath, copy, overwrite: true);
        _certificates[HostCertificateKind.Valid] = await Lab.CertifyAsync(Ca, copy, host: true, "127.0.0.1", "always:forever", Lab.PathOf("valid-cert.pub"));
        _certificates[HostCertificateKind.Expired] = await Lab.CertifyAsync(Ca, copy, host: true, "127.0.0.1", "20200101:20200102", Lab.PathOf("expired-cert.pub"));
        _certificates[HostCertificateKind.WrongPrincipal] = await Lab.CertifyAsync(Ca, copy, host: true, "other.example", "always:forever", Lab.PathOf("wrong-principal-cert.pub"));
    }

    /// <summary>Makes sshd present <paramref name="kind"/> (restarting it when it changes).</summary>
    public async Task PresentAsync(HostCertificateKind kind)
    {
        if (_current == kind)
        {
            return;
        }

        File.Copy(_certificates[kind], CertificatePath, overwrite: true);
        await Sshd.RestartAsync();
        _current = kind;
    }

    public async Task DisposeAsync()
    {
        if (_sshd is not null)
        {
            await _sshd.DisposeAsync();
        }

        Lab.Dispose();
    }
}
