using Renci.SshNet;
using Renci.SshNet.Security;
using SessionKeeper.Ssh.Agent;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Ssh.Auth;

/// <summary>
/// Builds the keys offered to one target, in ssh's order (<see cref="AuthenticationPlan"/>). Loaded
/// identity files are kept for the process, so that a reconnection does not ask for a passphrase
/// again, and notes are not repeated. RSA keys are offered with rsa-sha2-512 and rsa-sha2-256 only: SHA-1
/// ssh-rsa is refused by OpenSSH 8.8+ and would waste one of the server's MaxAuthTries.
/// </summary>
internal sealed class KeyOffers(IUserInteraction interaction)
{
    /// <summary>Identity files loaded by this process, by path: a passphrase is asked once per process.</summary>
    private static readonly Dictionary<string, FileKeySigner> Signers = new(StringComparer.Ordinal);

    private readonly HashSet<string> _noted = new(StringComparer.Ordinal);

    /// <summary>How many keys the last <see cref="For"/> had to leave out (noted to the user).</summary>
    public int Skipped { get; private set; }

    /// <summary>The key sources for <paramref name="target"/>; <paramref name="agent"/> must stay open until authentication ends.</summary>
    public List<IPrivateKeySource> For(SshTarget target, SshAgentClient? agent)
    {
        Skipped = 0;
        var files = new List<KeyFile>();
        foreach (var path in target.IdentityFiles)
        {
            if (KeyFile.Inspect(path) is { } file)
            {
                files.Add(file);
            }
            else
            {
                Skip($"identity file {path} is not accessible; skipping it.");
            }
        }

        var certificates = new List<CertificateFile>();
        foreach (var path in target.CertificateFiles)
        {
            if (CertificateFile.Read(path) is { } certificate)
            {
                certificates.Add(certificate);
            }
            else
            {
                Skip($"certificate file {path} is missing or holds no certificate; skipping it.");
            }
        }

        var agentKeys = ListAgent(agent);
        var plan = AuthenticationPlan.Build(agentKeys, files, certificates, f => CertificateFile.Read(f.Path + "-cert.pub"), target.IdentitiesOnly);
        foreach (var certificate in certificates.Where(c => !plan.Any(p => p is PlannedKey.CertificateWithAgentKey a && a.Certificate == c || p is PlannedKey.CertificateWithFileKey f && f.Certificate == c)))
        {
            Skip($"no private key for certificate {certificate.Path} (neither in the agent nor an IdentityFile); skipping it.");
        }

        var sources = new List<IPrivateKeySource>();
        foreach (var planned in plan)
        {
            if (Source(planned, agent, target.BatchMode) is { } source)
            {
                sources.Add(source);
            }
        }

        return sources;
    }

    private IReadOnlyList<AgentIdentity> ListAgent(SshAgentClient? agent)
    {
        if (agent is null)
        {
            return [];
        }

        try
        {
            return [.. agent.ListIdentities().Where(i => AgentKeySources.IsSupported(i.KeyType))];
        }
        catch (SshAgentException ex)
        {
            Note($"the ssh-agent failed ({ex.Message.TrimEnd('.')}); continuing without it.");
            return [];
        }
    }

    private IPrivateKeySource? Source(PlannedKey planned, SshAgentClient? agent, bool batchMode) => planned switch
    {
        PlannedKey.AgentKey a => AgentKeySources.Create(agent!, [a.Identity]) is [var only, ..] ? only : null,
        PlannedKey.FileKey f => FromFile(f.File, f.File.PublicKey, f.File.KeyType, planned.ToString(), batchMode),
        PlannedKey.CertificateWithFileKey c => FromFile(c.File, c.Certificate.Blob, c.Certificate.KeyType, planned.ToString(), batchMode),
        PlannedKey.CertificateWithAgentKey c => FromAgent(agent!, c.Identity, c.Certificate, planned.ToString()),
        _ => null,
    };

    private IPrivateKeySource? FromFile(KeyFile file, byte[]? blob, string? keyType, string description, bool batchMode)
    {
        var signer = Signer(file);
        if (signer.NeedsUnavailablePassphrase(interaction, batchMode))
        {
            Skip($"skipping identity file {file.Path}: it is encrypted and " +
                (batchMode ? "BatchMode forbids asking for its passphrase; add it to ssh-agent." : "there is no terminal to ask for its passphrase; add it to ssh-agent, or set SSH_ASKPASS with SSH_ASKPASS_REQUIRE=force."));
            return null;
        }

        if (blob is null || keyType is null)
        {
            // Nothing tells the public key without loading the private one (a PEM or PuTTY key without .pub).
            var loaded = signer.Load(interaction, batchMode);
            if (loaded is null)
            {
                Skip($"skipping {description}: {signer.Failure}.");
                return null;
            }

            var algorithms = loaded.HostKeyAlgorithms.Where(a => a.Name is not ("ssh-rsa" or "ssh-rsa-cert-v01@openssh.com" or "ssh-dss")).ToList();
            return algorithms.Count == 0 ? null : new KeyOffer(description, algorithms);
        }

        var offered = AgentKeyAlgorithm.For(keyType);
        if (offered.Count == 0)
        {
            Skip($"skipping {description}: SessionKeeper does not support {keyType} keys.");
            return null;
        }

        return new KeyOffer(description, [.. offered.Select(a => (HostAlgorithm)new SigningHostAlgorithm(a.Name, blob, data =>
        {
            var signature = signer.Sign(a.SignatureAlgorithm, data, interaction, batchMode);
            if (signer.Failure is { } failure)
            {
                Note($"skipping {description}: {failure}.");
            }

            return signature;
        }))]);
    }

    private static KeyOffer? FromAgent(SshAgentClient agent, AgentIdentity identity, CertificateFile certificate, string description)
    {
        var offered = AgentKeyAlgorithm.For(certificate.KeyType);
        return offered.Count == 0
            ? null
            : new KeyOffer(description, [.. offered.Select(a => (HostAlgorithm)new SigningHostAlgorithm(a.Name, certificate.Blob, data =>
            {
                var signature = agent.Sign(identity, data, a.Flags);
                if (AgentWireReader.ReadName(signature) != a.SignatureAlgorithm)
                {
                    throw new SshAgentException(AgentFailureKind.ProtocolViolation, $"the ssh-agent signed with {AgentWireReader.ReadName(signature)} where {a.SignatureAlgorithm} was asked for.");
                }

                return signature;
            }))]);
    }

    private static FileKeySigner Signer(KeyFile file)
    {
        lock (Signers)
        {
            // A file replaced since it was loaded (another public key) starts afresh.
            if (!Signers.TryGetValue(file.Path, out var signer) || !SameKey(signer.File, file))
            {
                signer = new FileKeySigner(file);
                Signers[file.Path] = signer;
            }

            return signer;
        }
    }

    private static bool SameKey(KeyFile a, KeyFile b) =>
        a.Encrypted == b.Encrypted && (a.PublicKey ?? []).AsSpan().SequenceEqual(b.PublicKey ?? []);

    private void Skip(string message)
    {
        Skipped++;
        Note(message);
    }

    private void Note(string message)
    {

        lock (_noted)
        {
            if (!_noted.Add(message))
            {
                return;
            }
        }

        interaction.Note(message);
    }
}
