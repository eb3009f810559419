using System.Globalization;

namespace SessionKeeper.IntegrationTests.Agent;

/// <summary>Throwaway keys and certificates from the real ssh-keygen.</summary>
internal static class AgentKeyGen
{
    /// <summary>Generates an unencrypted key: ed25519, ecdsa (bits 256/384/521) or rsa (bits).</summary>
    public static async Task GenerateAsync(string privateKeyPath, string type, int? bits = null, CancellationToken cancellationToken = default)
    {
        List<string> arguments = ["-q", "-t", type, "-N", "", "-C", "sk-agent-test " + Path.GetFileName(privateKeyPath), "-f", privateKeyPath];
        if (bits is { } size)
        {
            arguments.AddRange(["-b", size.ToString(CultureInfo.InvariantCulture)]);
        }

        await AgentTestProcess.RunAsync("ssh-keygen", arguments, cancellationToken);
    }

    /// <summary>Signs <paramref name="key"/>'s public key as a user certificate for <paramref name="principal"/>.</summary>
    public static async Task CertifyAsync(string caPrivateKeyPath, AgentTestKey key, string principal, CancellationToken cancellationToken = default) =>
        await AgentTestProcess.RunAsync(
            "ssh-keygen",
            ["-q", "-s", caPrivateKeyPath, "-I", key.CertificateId, "-n", principal, "-V", "-5m:+1h", key.PublicKeyPath],
            cancellationToken);

    /// <summary>The SHA-256 fingerprint as ssh-keygen -l prints it (<c>SHA256:...</c>).</summary>
    public static async Task<string> FingerprintAsync(string publicKeyPath, CancellationToken cancellationToken = default)
    {
        var line = await AgentTestProcess.RunAsync("ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyPath], cancellationToken);
        return line.Split(' ')[1];
    }
}
