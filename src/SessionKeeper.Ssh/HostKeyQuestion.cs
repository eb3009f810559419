using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Ssh;

/// <summary>
/// StrictHostKeyChecking ask, as ssh asks: the fingerprint, then "yes", "no" or the fingerprint
/// itself (pasted from a trusted source) until one of them is typed.
/// </summary>
internal static class HostKeyQuestion
{
    public static bool Confirm(PendingHostKey key, string address, IUserInteraction interaction)
    {
        var prompt = $"The authenticity of host '{key.Lookup.Name} ({address})' can't be established.\n" +
            $"{Describe(key.KeyType)} key fingerprint is {key.Fingerprint}.\n" +
            "Are you sure you want to continue connecting (yes/no/[fingerprint])? ";
        for (var tries = 0; tries < 10; tries++)
        {
            var answer = interaction.ReadLine(prompt)?.Trim(' ', '\t', '\r', '\n');
            if (answer is null || answer.Equals("no", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            if (answer.Equals("yes", StringComparison.OrdinalIgnoreCase) || answer == key.Fingerprint)
            {
                return true;
            }

            prompt = "Please type 'yes', 'no' or the fingerprint: ";
        }

        return false;
    }

    /// <summary>The key type the way ssh names it in prompts: ED25519, ECDSA, RSA.</summary>
    public static string Describe(string keyType) => keyType switch
    {
        "ssh-ed25519" => "ED25519",
        "ssh-rsa" => "RSA",
        _ when keyType.StartsWith("ecdsa-", StringComparison.Ordinal) => "ECDSA",
        _ => keyType,
    };
}
