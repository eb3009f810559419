namespace SessionKeeper.Ssh.HostKeys;

/// <summary>One valid line of a known_hosts file.</summary>
internal sealed class KnownHostsEntry
{
    private readonly HostPatternList _hosts;
    private readonly byte[] _keyBlob;

    internal KnownHostsEntry(
        KnownHostsMarker marker,
        string hostPatterns,
        HostPatternList hosts,
        string keyType,
        byte[] keyBlob,
        string? comment,
        string source,
        int line)
    {
        Marker = marker;
        HostPatterns = hostPatterns;
        _hosts = hosts;
        KeyType = keyType;
        _keyBlob = keyBlob;
        Comment = comment;
        Source = source;
        Line = line;
    }

    /// <summary><c>@cert-authority</c>, <c>@revoked</c> or none.</summary>
    public KnownHostsMarker Marker { get; }

    /// <summary>The host field as written (comma-separated patterns, or one hashed name).</summary>
    public string HostPatterns { get; }

    /// <summary>Whether the host field is a hashed name (<c>|1|salt|hash</c>).</summary>
    public bool IsHashed => _hosts.IsHashed;

    /// <summary>The key type stored in the key blob, e.g. <c>ssh-ed25519</c> or <c>ssh-rsa</c>.</summary>
    public string KeyType { get; }

    /// <summary>The SSH wire-format public key blob (the base64 field, decoded).</summary>
    public ReadOnlyMemory<byte> KeyBlob => _keyBlob;

    /// <summary>The comment after the key, if any.</summary>
    public string? Comment { get; }

    /// <summary>The file path (or source name) the entry came from.</summary>
    public string Source { get; }

    /// <summary>The 1-based line number in <see cref="Source"/>.</summary>
    public int Line { get; }

    /// <summary>The position as <c>file:line</c>.</summary>
    public string Location => $"{Source}:{Line}";

    /// <summary>The SHA-256 fingerprint of the key, as <c>ssh-keygen -l</c> prints it.</summary>
    public string Fingerprint => HostKeyFingerprint.Sha256(_keyBlob);

    /// <inheritdoc />
    public override string ToString() => $"{Location}: {HostPatterns} {KeyType} {Fingerprint}";

    internal bool Matches(string lookupName) => _hosts.Matches(lookupName);

    internal bool HasBlob(ReadOnlySpan<byte> blob) => blob.SequenceEqual(_keyBlob);
}
