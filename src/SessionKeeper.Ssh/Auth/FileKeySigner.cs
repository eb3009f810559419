using System.Security.Cryptography;
using Renci.SshNet;
using Renci.SshNet.Common;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Ssh.Auth;

/// <summary>
/// Signs with a private key file, loading it on first use and asking for its passphrase then (three
/// tries, an empty answer gives up, as ssh does). The loaded key is kept for the life of the
/// process, so reconnecting does not ask again; the passphrase itself is not kept. A key that
/// cannot be loaded signs nothing valid: the server refuses that signature and authentication
/// moves on to the next key.
/// </summary>
internal sealed class FileKeySigner(KeyFile file)
{
    private const int PassphraseTries = 3;
    private readonly Lock _gate = new();
    private PrivateKeyFile? _key;
    private string? _failure;
    private string? _permissionFailure;

    public KeyFile File => file;

    /// <summary>Whether signing may need a prompt that cannot happen (BatchMode, or nobody to ask).</summary>
    public bool NeedsUnavailablePassphrase(IUserInteraction interaction, bool batchMode) =>
        file.Encrypted && _key is null && (batchMode || !interaction.CanPrompt) && KeyFilePermissions.Warning(file.Path) is null;

    /// <summary>The loaded key, or null (with <see cref="Failure"/> saying why); may prompt.</summary>
    public PrivateKeyFile? Load(IUserInteraction interaction, bool batchMode)
    {
        lock (_gate)
        {
            if (_key is not null)
            {
                return _key;
            }

            // Checked at every load, not remembered: a key made private (chmod 600) is used next time.
            _permissionFailure = null;
            if (KeyFilePermissions.Warning(file.Path) is { } warning)
            {
                // As ssh: the warning, then "Load key: bad permissions", then the next key.
                interaction.Note(warning);
                _permissionFailure = $"Load key \"{file.Path}\": bad permissions";
                return null;
            }

            if (_failure is not null)
            {
                return null;
            }

            _key = file.Encrypted ? LoadEncrypted(interaction, batchMode) : LoadPlain();
            return _key;
        }
    }

    public string? Failure => _permissionFailure ?? _failure;

    /// <summary>A signature blob made with the algorithm named <paramref name="signatureAlgorithm"/> (ssh-ed25519, rsa-sha2-512...).</summary>
    public byte[] Sign(string signatureAlgorithm, byte[] data, IUserInteraction interaction, bool batchMode)
    {
        var key = Load(interaction, batchMode);
        var algorithm = key?.HostKeyAlgorithms.FirstOrDefault(a => a.Name == signatureAlgorithm);
        if (algorithm is null)
        {
            if (key is not null)
            {
                _failure ??= $"{file.Path} cannot sign with {signatureAlgorithm}";
            }

            return Unusable(signatureAlgorithm);
        }

        return algorithm.Sign(data);
    }

    private PrivateKeyFile? LoadPlain()
    {
        try
        {
            return new PrivateKeyFile(file.Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SshException or ArgumentException or CryptographicException or FormatException or NotSupportedException)
        {
            _failure = $"cannot load identity file {file.Path}: {ex.Message.TrimEnd('.')}";
            return null;
        }
    }

    private PrivateKeyFile? LoadEncrypted(IUserInteraction interaction, bool batchMode)
    {
        if (batchMode || !interaction.CanPrompt)
        {
            _failure = $"identity file {file.Path} is encrypted and there is no terminal to ask for its passphrase" +
                (batchMode ? " (BatchMode)" : "") + "; add it to ssh-agent, or set SSH_ASKPASS (with SSH_ASKPASS_REQUIRE=force)";
            return null;
        }

        for (var attempt = 1; attempt <= PassphraseTries; attempt++)
        {
            var passphrase = interaction.ReadSecret($"Enter passphrase for key '{file.Path}': ");
            if (string.IsNullOrEmpty(passphrase))
            {
                _failure = $"no passphrase given for {file.Path}; trying the next key";
                return null;
            }

            try
            {
                return new PrivateKeyFile(file.Path, passphrase);
            }
            catch (Exception ex) when (ex is SshException or CryptographicException or ArgumentException or FormatException or InvalidOperationException)
            {
                // Wrong passphrase: OpenSSH says "Bad passphrase" and asks again.
                interaction.Note($"bad passphrase for {file.Path}.");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _failure = $"cannot load identity file {file.Path}: {ex.Message.TrimEnd('.')}";
                return null;
            }
        }

        _failure = $"no valid passphrase for {file.Path} after {PassphraseTries} tries; trying the next key";
        return null;
    }

    /// <summary>A well-formed signature blob that verifies under no key.</summary>
    private static byte[] Unusable(string signatureAlgorithm)
    {
        var name = System.Text.Encoding.ASCII.GetBytes(signatureAlgorithm);
        return new Agent.AgentWireWriter().WriteString(name).WriteString(new byte[64]).ToArray();
    }
}
