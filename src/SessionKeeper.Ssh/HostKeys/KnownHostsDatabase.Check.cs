namespace SessionKeeper.Ssh.HostKeys;

internal sealed partial class KnownHostsDatabase
{
    /// <summary>
    /// Looks the server's host key up as ssh does: a matching <c>@revoked</c> line wins, then an exact
    /// plain match, then a same-type plain key with a different blob (changed); otherwise unknown.
    /// ECDSA keys of every curve are one type here, as for ssh (one sshkey type, KEY_ECDSA): a host
    /// known by a P-256 key that presents a P-384 key has changed its key, it is not merely unknown.
    /// </summary>
    /// <remarks>
    /// <see cref="HostKeyVerdict.Detail"/> is the <c>file:line</c> of the revoking line (Revoked), the
    /// matching line (Trusted) or the offending lines, comma-separated (Changed), so a message can say
    /// "offending key in {Detail}". For Unknown it says which other key types the host is known by,
    /// with their locations, or is <see langword="null"/> when the host is not known at all.
    /// </remarks>
    /// <param name="host">The host as typed (name or IP address).</param>
    /// <param name="port">The TCP port; 22 looks up <c>host</c>, any other <c>[host]:port</c>.</param>
    /// <param name="keyType">
    /// The key type or host-key algorithm, e.g. <c>ssh-ed25519</c>, <c>ecdsa-sha2-nistp256</c>,
    /// <c>ssh-rsa</c> (<c>rsa-sha2-256</c>/<c>rsa-sha2-512</c> are treated as <c>ssh-rsa</c>).
    /// </param>
    /// <param name="keyBlob">The SSH wire-format public key blob the server presented.</param>
    public HostKeyVerdict Check(string host, int port, string keyType, byte[] keyBlob)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        var type = ResolveKeyType(keyType, keyBlob);
        var name = LookupName(host, port);
        var matching = EntriesFor(host, port);
        var knownTypes = KnownKeyTypes(matching);

        var revoked = matching.FirstOrDefault(e => e.Marker == KnownHostsMarker.Revoked && e.HasBlob(keyBlob));
        if (revoked is not null)
        {
            return new HostKeyVerdict(HostKeyMatch.Revoked, knownTypes, revoked.Location);
        }

        var plain = matching.Where(e => e.Marker == KnownHostsMarker.None).ToList();
        var trusted = plain.FirstOrDefault(e => e.KeyType == type && e.HasBlob(keyBlob));
        if (trusted is not null)
        {
            return new HostKeyVerdict(HostKeyMatch.Trusted, knownTypes, trusted.Location);
        }

        var sameType = plain.Where(e => Family(e.KeyType) == Family(type)).ToList();
        if (sameType.Count > 0)
        {
            return new HostKeyVerdict(HostKeyMatch.Changed, knownTypes, string.Join(", ", sameType.Select(e => e.Location)));
        }

        if (plain.Count > 0)
        {
            var others = string.Join(", ", plain.Select(e => $"{e.KeyType} in {e.Location}"));
            return new HostKeyVerdict(HostKeyMatch.Unknown, knownTypes, $"{name} is known by other key types: {others}");
        }

        return new HostKeyVerdict(HostKeyMatch.Unknown, knownTypes, null);
    }

    private static string Family(string keyType) => keyType.StartsWith("ecdsa-sha2-", StringComparison.Ordinal) ? "ecdsa-sha2" : keyType;

    private static string ResolveKeyType(string keyType, byte[] keyBlob)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyType);
        ArgumentNullException.ThrowIfNull(keyBlob);
        if (!SshKeyTypes.TryReadBlobType(keyBlob, out var blobType))
        {
            throw new ArgumentException("The key blob is not an SSH wire-format public key.", nameof(keyBlob));
        }

        var type = SshKeyTypes.Canonicalize(keyType);
        if (!string.Equals(type, blobType, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Key type {keyType} does not match the key blob, which holds a {blobType} key.", nameof(keyType));
        }

        return type;
    }
}
