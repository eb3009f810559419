using System.Text.RegularExpressions;
using Renci.SshNet;

namespace SessionKeeper.IntegrationTests.Agent;

/// <summary>Logs in to a test sshd with SSH.NET, using the given key sources only, and runs one command.</summary>
internal static partial class AgentSshLogin
{
    public static async Task<string> RunAsync(
        AgentSshd sshd,
        AgentKeyRing ring,
        IReadOnlyList<IPrivateKeySource> keys,
        string command = "echo ok",
        CancellationToken cancellationToken = default)
    {
        using var method = new PrivateKeyAuthenticationMethod(ring.UserName, [.. keys]);
        var info = new ConnectionInfo("127.0.0.1", sshd.Port, ring.UserName, method) { Timeout = TimeSpan.FromSeconds(15) };
        using var client = new SshClient(info);
        var hostKeySeen = "";
        client.HostKeyReceived += (_, e) =>
        {
            hostKeySeen = "SHA256:" + e.FingerPrintSHA256;
            e.CanTrust = hostKeySeen == ring.HostKeyFingerprint;
        };

        // SSH.NET ignores the token during key exchange and authentication: run it aside.
        await Task.Run(() => client.ConnectAsync(cancellationToken), cancellationToken).WaitAsync(cancellationToken);
        Assert.Equal(ring.HostKeyFingerprint, hostKeySeen);
        using var ssh = client.CreateCommand(command);
        await ssh.ExecuteAsync(cancellationToken);
        client.Disconnect();
        return ssh.Result;
    }

    /// <summary>Every public key algorithm sshd saw offered, queried or signed with, in order.</summary>
    public static IReadOnlyList<string> OfferedAlgorithms(string sshdLog) =>
        [.. OfferedPattern().Matches(sshdLog).Select(match => match.Groups[1].Value)];

    /// <summary>The algorithm of the publickey attempt that sshd accepted, or null.</summary>
    public static string? AcceptedAlgorithm(string sshdLog) =>
        AcceptedPattern().Match(sshdLog) is { Success: true } match ? match.Groups[1].Value : null;

    /// <summary>
    /// True when the log shows any SHA-1 ssh-rsa offer: a query or signed attempt (DEBUG2), or
    /// sshd's refusal of the algorithm (VERBOSE).
    /// </summary>
    public static bool ShowsSshRsaAttempt(string sshdLog) => SshRsaPattern().IsMatch(sshdLog);

    [GeneratedRegex(@"userauth_pubkey: (?:valid|invalid) user \S+ (?:querying|attempting) public key (\S+) ")]
    private static partial Regex OfferedPattern();

    [GeneratedRegex(@"userauth_pubkey: authenticated 1 pkalg (\S+)")]
    private static partial Regex AcceptedPattern();

    [GeneratedRegex(@"(?:public key|pkalg|signature algorithm) ssh-rsa\s")]
    private static partial Regex SshRsaPattern();
}
