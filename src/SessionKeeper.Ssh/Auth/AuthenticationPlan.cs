using SessionKeeper.Ssh.Agent;

namespace SessionKeeper.Ssh.Auth;

/// <summary>
/// The order in which OpenSSH 9.2's <c>pubkey_prepare()</c> offers keys:
/// <list type="number">
/// <item>CertificateFile certificates (signed by the agent's copy of their key if it has one,
/// else by the identity file that holds it; a certificate without its private key is skipped);</item>
/// <item>agent keys that match an identity (an IdentityFile's public key, or its <c>-cert.pub</c>), in agent order;</item>
/// <item>the other agent keys, unless IdentitiesOnly;</item>
/// <item>the identity files not taken by the agent, each followed by its <c>-cert.pub</c>
/// (only when no CertificateFile is configured, as in ssh).</item>
/// </list>
/// </summary>
internal static class AuthenticationPlan
{
    /// <param name="agentKeys">What the agent holds, in its order; empty without an agent.</param>
    /// <param name="identityFiles">Existing identity files, in configured order.</param>
    /// <param name="certificateFiles">Readable CertificateFile certificates.</param>
    /// <param name="defaultCertificate">The <c>KEY-cert.pub</c> of an identity file, if any.</param>
    /// <param name="identitiesOnly">ssh_config IdentitiesOnly.</param>
    public static List<PlannedKey> Build(
        IReadOnlyList<AgentIdentity> agentKeys,
        IReadOnlyList<KeyFile> identityFiles,
        IReadOnlyList<CertificateFile> certificateFiles,
        Func<KeyFile, CertificateFile?> defaultCertificate,
        bool identitiesOnly)
    {
        var plan = new List<PlannedKey>();
        foreach (var certificate in certificateFiles)
        {
            if (Signer(certificate, agentKeys, identityFiles) is { } signed)
            {
                plan.Add(signed);
            }
        }

        // ssh's list of "files": each identity, then (without CertificateFile) its -cert.pub.
        var files = new List<(KeyFile File, CertificateFile? Certificate)>();
        foreach (var file in identityFiles)
        {
            files.Add((file, null));
            if (certificateFiles.Count == 0 && defaultCertificate(file) is { } certificate)
            {
                files.Add((file, certificate));
            }
        }

        var otherAgentKeys = new List<PlannedKey>();
        foreach (var identity in agentKeys)
        {
            var match = files.FindIndex(f => Blob(f) is { } blob && blob.AsSpan().SequenceEqual(identity.PublicKeyBlob));
            if (match >= 0)
            {
                files.RemoveAt(match);
                plan.Add(new PlannedKey.AgentKey(identity));
            }
            else if (!identitiesOnly)
            {
                otherAgentKeys.Add(new PlannedKey.AgentKey(identity));
            }
        }

        plan.AddRange(otherAgentKeys);
        foreach (var (file, certificate) in files)
        {
            plan.Add(certificate is null
                ? new PlannedKey.FileKey(file)
                : Signer(certificate, agentKeys, [file]) ?? new PlannedKey.CertificateWithFileKey(certificate, file));
        }

        return plan;
    }

    private static byte[]? Blob((KeyFile File, CertificateFile? Certificate) entry) =>
        entry.Certificate?.Blob ?? entry.File.PublicKey;

    private static PlannedKey? Signer(CertificateFile certificate, IReadOnlyList<AgentIdentity> agentKeys, IReadOnlyList<KeyFile> identityFiles)
    {
        var held = agentKeys.FirstOrDefault(a => a.PublicKeyBlob.AsSpan().SequenceEqual(certificate.CertifiedKey));
        if (held is not null)
        {
            return new PlannedKey.CertificateWithAgentKey(certificate, held);
        }

        var file = identityFiles.FirstOrDefault(f => f.PublicKey is { } key && key.AsSpan().SequenceEqual(certificate.CertifiedKey));
        return file is null ? null : new PlannedKey.CertificateWithFileKey(certificate, file);
    }
}
