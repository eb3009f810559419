using Renci.SshNet.Common;
using SessionKeeper.Core.Failures;
using SessionKeeper.Ssh.HostKeys;

namespace SessionKeeper.Ssh;

/// <summary>
/// Checks the server's host key against known_hosts inside SSH.NET's HostKeyReceived event, which
/// fires before any credential is offered. A refusal is remembered so the failure can be reported
/// with the fingerprint instead of SSH.NET's generic disconnect.
/// </summary>
internal sealed class HostKeyCheck(SshTarget target, KnownHostsDatabase database)
{
    public SessionKeeperException? Refusal { get; private set; }

    public void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
    {
        var blob = e.HostKey;
        if (!SshKeyTypes.TryReadBlobType(blob, out var keyType))
        {
            e.CanTrust = false;
            Refusal = new(FailureKind.HostKeyRefused, $"{target.Label} sent a malformed host key; refusing to connect.");
            return;
        }

        var verdict = database.Check(target.Host, target.Port, keyType, blob);
        var fingerprint = HostKeyFingerprint.Sha256(blob);
        var where = string.Join(", ", target.KnownHostsFiles);
        var name = KnownHostsDatabase.FormatHostPattern(target.Host, target.Port);
        e.CanTrust = verdict.Match == HostKeyMatch.Trusted;
        Refusal = verdict.Match switch
        {
            HostKeyMatch.Trusted => null,
            HostKeyMatch.Changed => new(
                FailureKind.HostKeyRefused,
                $"HOST KEY CHANGED for {name}: it now presents {keyType} {fingerprint}, which does not match {verdict.Detail ?? where}. " +
                "This may be an attack or a reinstalled host; verify the fingerprint out of band, then remove the old entry (ssh-keygen -R) if it is legitimate."),
            HostKeyMatch.Revoked => new(
                FailureKind.HostKeyRefused,
                $"the host key of {name} ({keyType} {fingerprint}) is marked @revoked in {verdict.Detail ?? where}; refusing to connect."),
            _ => new(
                FailureKind.HostKeyRefused,
                $"the host key of {name} is not known ({keyType} {fingerprint}; searched {where}). " +
                $"Verify the fingerprint, then add it, e.g. `ssh-keyscan -p {target.Port} {target.Host} >> ~/.ssh/known_hosts`, or connect once with ssh."),
        };
    }
}
