using Renci.SshNet.Common;
using Renci.SshNet.Security;
using SessionKeeper.Core.Failures;
using SessionKeeper.Ssh.Agent;
using SessionKeeper.Ssh.Config;
using SessionKeeper.Ssh.HostKeys;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Ssh;

/// <summary>
/// Checks the server's host key inside SSH.NET's HostKeyReceived event, which fires before any
/// credential is offered, under the host's own name and port (or HostKeyAlias), whatever local
/// forward the connection runs through. StrictHostKeyChecking decides about unknown keys: yes
/// refuses, accept-new (and an explicit no) records and accepts, ask refuses this attempt and
/// leaves the key in <see cref="Pending"/> for the connector to ask about outside SSH.NET's
/// timeouts. Changed and revoked keys are refused in every mode, no included (ssh would connect
/// "unsafely" with no); a refusal is remembered so it can be reported with the fingerprint.
/// </summary>
internal sealed class HostKeyCheck(SshTarget target, KnownHostsDatabase database, bool canAsk, IUserInteraction interaction, TimeProvider? time = null)
{
    public HostKeyLookup Lookup { get; } = new(target.Host, target.Port, target.HostKeyAlias);

    public SessionKeeperException? Refusal { get; private set; }

    /// <summary>An unknown key waiting for the user's yes (StrictHostKeyChecking ask, on a terminal).</summary>
    public PendingHostKey? Pending { get; private set; }

    /// <summary>The host key accepted, for -v: its type, fingerprint and why it is trusted; null until one is.</summary>
    public string? Accepted { get; private set; }

    /// <summary>A certificate outside its validity period, seen by <see cref="CertificateAlgorithm"/>: (certified key, certificate).</summary>
    private (byte[] Key, HostCertificate Certificate)? _outdated;

    /// <summary>
    /// Wraps SSH.NET's factory for a host certificate algorithm. SSH.NET checks a certificate's
    /// dates while verifying the key exchange, before HostKeyReceived, so an expired certificate
    /// would fail the connection before any decision of ours, where ssh falls back to the plain key
    /// (and reports the refusal as one). Such a certificate is therefore replaced by its certified
    /// key, which the server's signature still proves, and remembered, so that the decision below
    /// sees the certificate (its CA may be revoked) and then checks the plain key. A certificate in
    /// its validity period goes through SSH.NET unchanged (CA signature and dates checked there).
    /// </summary>
    public Func<byte[], KeyHostAlgorithm> CertificateAlgorithm(string name, Func<byte[], KeyHostAlgorithm> certificate, Func<byte[], KeyHostAlgorithm>? plain) =>
        blob =>
        {
            var parsed = new Certificate(blob);
            var now = (ulong)Math.Max(0, (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds());
            if (plain is null || (now >= parsed.ValidAfterUnixSeconds && now < parsed.ValidBeforeUnixSeconds))
            {
                return certificate(blob);
            }

            var key = AgentKeyBlob.CertifiedKey(blob, name.Replace("rsa-sha2-512", "ssh-rsa", StringComparison.Ordinal).Replace("rsa-sha2-256", "ssh-rsa", StringComparison.Ordinal));
            _outdated = (key, From(parsed));
            return plain(key);
        };

    public void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
    {
        var blob = e.HostKey;
        if (!SshKeyTypes.TryReadBlobType(blob, out var keyType))
        {
            e.CanTrust = false;
            Refusal = new(FailureKind.HostKeyRefused, $"{target.Label} sent a malformed host key; refusing to connect.");
            return;
        }

        var certificate = e.Certificate is { } c ? From(c)
            : _outdated is { } outdated && outdated.Key.AsSpan().SequenceEqual(blob) ? outdated.Certificate
            : null;
        var decision = HostKeyPolicy.Check(database, Lookup, keyType, blob, certificate, (time ?? TimeProvider.System).GetUtcNow());
        var fingerprint = HostKeyFingerprint.Sha256(blob);
        e.CanTrust = false;
        switch (decision.Match)
        {
            case HostKeyMatch.Trusted:
                e.CanTrust = true;
                Accepted = $"{keyType} {fingerprint} ({decision.Detail})";
                return;
            case HostKeyMatch.Revoked:
                Refusal = new(FailureKind.HostKeyRefused,
                    $"the host key of {Lookup.Name} ({keyType} {fingerprint}) is marked @revoked in {decision.Detail}; refusing to connect.");
                return;
            case HostKeyMatch.Changed:
                Refusal = new(FailureKind.HostKeyRefused,
                    $"HOST KEY CHANGED for {Lookup.Name}: it now presents {keyType} {fingerprint}, which does not match {decision.Detail}. " +
                    "This may be an attack or a reinstalled host; verify the fingerprint out of band, then remove the old entry (ssh-keygen -R) if it is legitimate.");
                return;
        }

        var unknown = Unknown(keyType, fingerprint, decision.CertificateProblem);
        switch (target.StrictHostKeyChecking)
        {
            case StrictHostKeyCheckingMode.AcceptNew or StrictHostKeyCheckingMode.No when target.KnownHostsFiles.Count > 0:
                e.CanTrust = true;
                Accepted = $"{keyType} {fingerprint} (new, recorded: StrictHostKeyChecking {target.StrictHostKeyChecking})";
                Record(target, Lookup, keyType, blob, interaction);
                return;
            case StrictHostKeyCheckingMode.AcceptNew or StrictHostKeyCheckingMode.No:
                Refusal = new(FailureKind.HostKeyRefused, unknown + " (UserKnownHostsFile is none, so it cannot be recorded).");
                return;
            case StrictHostKeyCheckingMode.Ask when canAsk:
                Pending = new PendingHostKey(Lookup, keyType, blob, fingerprint);
                Refusal = new(FailureKind.HostKeyRefused, unknown + ".");
                return;
            case StrictHostKeyCheckingMode.Ask:
                Refusal = new(FailureKind.HostKeyRefused, unknown + " (StrictHostKeyChecking ask, but there is no terminal to ask on).");
                return;
            default:
                Refusal = new(FailureKind.HostKeyRefused, unknown + ".");
                return;
        }
    }

    private static HostCertificate From(Certificate c) =>
        new(c.CertificateAuthorityKey, c.Type == Certificate.CertificateType.Host, [.. c.ValidPrincipals], c.ValidAfterUnixSeconds, c.ValidBeforeUnixSeconds, [.. c.CriticalOptions.Keys]);

    /// <summary>Appends the key to the first user known_hosts file, as ssh does (a failure to write is only noted).</summary>
    public static void Record(SshTarget target, HostKeyLookup lookup, string keyType, byte[] blob, IUserInteraction interaction)
    {
        var path = target.KnownHostsFiles[0];
        try
        {
            KnownHostsDatabase.Append(path, lookup.Name, 22, keyType, blob, target.HashKnownHosts);
            interaction.Note($"permanently added '{lookup.Name}' ({keyType} {HostKeyFingerprint.Sha256(blob)}) to {path}.");
        }
        catch (Exception ex) when (ex is KnownHostsException or ArgumentException)
        {
            interaction.Note($"failed to add the host key of {lookup.Name} to {path}: {ex.Message.TrimEnd('.')}.");
        }
    }

    private string Unknown(string keyType, string fingerprint, string? certificateProblem)
    {
        var searched = target.AllKnownHostsFiles.Count == 0 ? "no known_hosts file" : "searched " + string.Join(", ", target.AllKnownHostsFiles);
        var certificate = certificateProblem is null ? "" : $"; its host certificate was not accepted: {certificateProblem}";
        var scan = Lookup.Alias is null
            ? $"`ssh-keyscan -p {target.Port} {target.Host} >> ~/.ssh/known_hosts`"
            : $"`ssh-keyscan -p {target.Port} {target.Host}` with the host field replaced by {Lookup.Alias}";
        return $"the host key of {Lookup.Name} is not known ({keyType} {fingerprint}; {searched}{certificate}). " +
            $"Verify the fingerprint, then add it, e.g. {scan}, or connect once with ssh";
    }
}

/// <summary>An unknown host key to show the user (StrictHostKeyChecking ask).</summary>
internal sealed record PendingHostKey(HostKeyLookup Lookup, string KeyType, byte[] Blob, string Fingerprint);
