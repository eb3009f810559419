using System.Globalization;
using System.Text.RegularExpressions;
using SessionKeeper.IntegrationTests.Agent;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>
/// An sshd that trusts a user CA (TrustedUserCAKeys) and logs every public key offered (LogLevel
/// DEBUG), a real ssh-agent, and keys of every kind: Ed25519, ECDSA, RSA, an Ed25519 key with a
/// user certificate, and a passphrase-protected Ed25519 key. Which keys sshd accepts is set per
/// test by rewriting its authorized_keys file.
/// </summary>
public sealed partial class AuthLab : IAsyncLifetime
{
    public const string Passphrase = "correct horse battery staple";
    private SshdFixture? _sshd;
    private SshAgentProcess? _agent;

    public OpenSshLab Lab { get; } = new();

    public SshdFixture Sshd => _sshd ?? throw new InvalidOperationException("sshd is not started.");

    internal SshAgentProcess Agent => _agent ?? throw new InvalidOperationException("ssh-agent is not started.");

    public string Ed25519 { get; private set; } = "";

    public string Ecdsa { get; private set; } = "";

    public string Rsa { get; private set; } = "";

    /// <summary>An Ed25519 key whose KEY-cert.pub is a user certificate for the login user, from <see cref="UserCa"/>.</summary>
    public string Certified { get; private set; } = "";

    /// <summary>An Ed25519 key encrypted with <see cref="Passphrase"/>.</summary>
    public string Encrypted { get; private set; } = "";

    public string UserCa { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var keys = await Task.WhenAll(
            Lab.KeyAsync("user-ca", "ed25519"),
            Lab.KeyAsync("id_ed25519", "ed25519"),
            Lab.KeyAsync("id_ecdsa", "ecdsa", 256),
            Lab.KeyAsync("id_rsa", "rsa", 3072),
            Lab.KeyAsync("id_certified", "ed25519"),
            Lab.KeyAsync("id_encrypted", "ed25519", passphrase: Passphrase));
        (UserCa, Ed25519, Ecdsa, Rsa, Certified, Encrypted) = (keys[0], keys[1], keys[2], keys[3], keys[4], keys[5]);
        _sshd = await SshdFixture.StartAsync(new SshdOptions { ExtraConfig = $"TrustedUserCAKeys {UserCa}.pub\nLogLevel DEBUG" });
        await Lab.CertifyAsync(UserCa, Certified + ".pub", host: false, Sshd.UserName, "-5m:+1h");
        _agent = await SshAgentProcess.StartAsync(Lab.Dir);
    }

    /// <summary>Makes sshd accept exactly these public keys (none: only certificates from the user CA).</summary>
    public void Authorize(params string[] privateKeys) =>
        File.WriteAllText(Sshd.AuthorizedKeysPath, string.Concat(privateKeys.Select(k => File.ReadAllText(k + ".pub").Trim() + "\n")));

    /// <summary>`sessionkeeper ps -F none -p PORT --known-hosts KH [options] user@127.0.0.1`.</summary>
    public Task<CliResult> PsAsync(IEnumerable<string> options, IDictionary<string, string?>? env = null) =>
        Lab.Cli.RunAsync(
            ["ps", "-F", "none", "-p", Sshd.Port.ToString(CultureInfo.InvariantCulture), "--known-hosts", Sshd.KnownHostsPath, .. options, $"{Sshd.UserName}@127.0.0.1"],
            env);

    /// <summary>The environment that points the CLI at the lab's ssh-agent.</summary>
    public Dictionary<string, string?> WithAgent() => new() { ["SSH_AUTH_SOCK"] = Agent.SocketPath };

    /// <summary>The fingerprints (SHA256:...) of the keys sshd was asked about (queries), in order, in a log slice.</summary>
    public static IReadOnlyList<string> Offered(string log) =>
        [.. OfferedKey().Matches(log).Select(m => m.Groups[1].Value)];

    /// <summary>sshd's "Accepted publickey ... ssh2: TYPE SHA256:..." line in a log slice, or null.</summary>
    public static string? Accepted(string log) =>
        log.Split('\n').FirstOrDefault(l => l.Contains("Accepted publickey", StringComparison.Ordinal));

    public async Task DisposeAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }

        if (_sshd is not null)
        {
            await _sshd.DisposeAsync();
        }

        Lab.Dispose();
    }

    [GeneratedRegex(@"test pkalg \S+ pkblob \S+ (SHA256:[A-Za-z0-9+/]+)")]
    private static partial Regex OfferedKey();
}
