using System.Diagnostics;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>Generates unencrypted throwaway keys with ssh-keygen.</summary>
internal static class SshKeyGen
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <param name="type">ed25519 or rsa (rsa is made 2048-bit: fast and accepted by OpenSSH).</param>
    public static async Task GenerateAsync(string privateKeyPath, string type, CancellationToken ct)
    {
        // ssh-keygen asks before overwriting, and stdin is closed: remove old files first.
        File.Delete(privateKeyPath);
        File.Delete(privateKeyPath + ".pub");
        var psi = new ProcessStartInfo("ssh-keygen");
        foreach (var arg in (string[])["-q", "-t", type, "-N", "", "-C", "sessionkeeper-test", "-f", privateKeyPath])
        {
            psi.ArgumentList.Add(arg);
        }

        if (type == "rsa")
        {
            psi.ArgumentList.Add("-b");
            psi.ArgumentList.Add("2048");
        }

        (await CliProcess.RunAsync(psi, Timeout, ct)).EnsureSuccess($"ssh-keygen -t {type}");
    }
}
