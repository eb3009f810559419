namespace SessionKeeper.Ssh.HostKeys;

/// <summary>
/// Parses one known_hosts line the way OpenSSH's <c>hostkeys_foreach()</c> and <c>sshkey_read()</c> do
/// when ssh loads keys: fields are separated by spaces and tabs; a line ssh would not use is rejected
/// with a reason.
/// </summary>
internal static class KnownHostsLineParser
{
    private const string CertAuthorityMarker = "@cert-authority";
    private const string RevokedMarker = "@revoked";
    private const int MaxMarkerLength = 31;

    /// <summary>
    /// Returns the entry, or <see langword="null"/> for a blank or comment line (with
    /// <paramref name="error"/> null) or for a line ssh ignores (with <paramref name="error"/> set).
    /// </summary>
    public static KnownHostsEntry? Parse(string line, string source, int lineNumber, out string? error)
    {
        error = null;
        var pos = SkipBlanks(line, 0);
        if (pos == line.Length || line[pos] == '#')
        {
            return null;
        }

        var marker = KnownHostsMarker.None;
        while (pos < line.Length && line[pos] == '@')
        {
            if (marker != KnownHostsMarker.None)
            {
                error = "more than one marker";
                return null;
            }

            if (!TryReadMarker(line, pos, out marker, out var markerEnd, out error))
            {
                return null;
            }

            pos = SkipBlanks(line, markerEnd);
        }

        var hostsEnd = FindBlank(line, pos);
        var hostField = line[pos..hostsEnd];
        if (!HostPatternList.TryParse(hostField, out var hosts, out error))
        {
            return null;
        }

        pos = SkipBlanks(line, hostsEnd);
        if (pos == line.Length || line[pos] == '#')
        {
            error = "missing key type";
            return null;
        }

        var typeEnd = FindBlank(line, pos);
        var typeToken = line[pos..typeEnd];
        if (typeToken.Length < 8 && typeToken.All(char.IsAsciiDigit))
        {
            error = "SSH protocol 1 RSA key (not supported)";
            return null;
        }

        if (!SshKeyTypes.IsPlausibleName(typeToken))
        {
            error = "invalid key type";
            return null;
        }

        pos = SkipBlanks(line, typeEnd);
        if (pos == line.Length || line[pos] == '#')
        {
            error = "missing key data";
            return null;
        }

        var keyEnd = FindBlank(line, pos);
        var keyBlob = DecodeBase64(line.AsSpan(pos, keyEnd - pos));
        if (keyBlob is null)
        {
            error = "key data is not valid base64";
            return null;
        }

        if (!SshKeyTypes.TryReadBlobType(keyBlob, out var blobType))
        {
            error = "key data is not an SSH public key";
            return null;
        }

        if (!string.Equals(SshKeyTypes.Canonicalize(typeToken), blobType, StringComparison.Ordinal))
        {
            error = $"key type {typeToken} does not match the key data ({blobType})";
            return null;
        }

        pos = SkipBlanks(line, keyEnd);
        var comment = pos < line.Length ? line[pos..].TrimEnd(' ', '\t') : null;
        return new KnownHostsEntry(marker, hostField, hosts, blobType, keyBlob, comment, source, lineNumber);
    }

    // Mirrors check_markers(): the marker ends at the first space of the rest of the line or,
    // failing that, the first tab.
    private static bool TryReadMarker(string line, int start, out KnownHostsMarker marker, out int end, out string? error)
    {
        marker = KnownHostsMarker.None;
        end = line.IndexOf(' ', start);
        if (end < 0)
        {
            end = line.IndexOf('\t', start);
        }

        if (end < 0)
        {
            error = "marker is not followed by host patterns";
            return false;
        }

        var token = line[start..end];
        if (token.Length is > 1 and <= MaxMarkerLength)
        {
            if (token == CertAuthorityMarker)
            {
                marker = KnownHostsMarker.CertificateAuthority;
            }
            else if (token == RevokedMarker)
            {
                marker = KnownHostsMarker.Revoked;
            }
        }

        if (marker == KnownHostsMarker.None)
        {
            error = $"unknown marker \"{Truncate(token)}\"";
            return false;
        }

        error = null;
        return true;
    }

    private static byte[]? DecodeBase64(ReadOnlySpan<char> text)
    {
        var buffer = new byte[(text.Length / 4 * 3) + 3];
        return Convert.TryFromBase64Chars(text, buffer, out var written) && written > 0 ? buffer[..written] : null;
    }

    private static int SkipBlanks(string line, int pos)
    {
        while (pos < line.Length && line[pos] is ' ' or '\t')
        {
            pos++;
        }

        return pos;
    }

    private static int FindBlank(string line, int pos)
    {
        var end = line.AsSpan(pos).IndexOfAny(' ', '\t');
        return end < 0 ? line.Length : pos + end;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
