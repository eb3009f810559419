using System.Diagnostics.CodeAnalysis;

namespace SessionKeeper.Ssh.HostKeys;

/// <summary>
/// The host field of a known_hosts line: either one hashed name, or a comma-separated list of
/// patterns with <c>*</c>, <c>?</c> and <c>!</c> negation (OpenSSH's <c>match_hostname()</c>).
/// </summary>
internal sealed class HostPatternList
{
    // OpenSSH copies each sub-pattern into a 1024-byte buffer and fails the whole list if it doesn't fit.
    private const int MaxSubPatternLength = 1022;

    private readonly string _field;
    private readonly byte[]? _salt;
    private readonly (string Pattern, bool Negated)[] _patterns;

    private HostPatternList(string field, byte[]? salt, (string Pattern, bool Negated)[] patterns)
    {
        _field = field;
        _salt = salt;
        _patterns = patterns;
    }

    public bool IsHashed => _salt is not null;

    public static bool TryParse(string field, [NotNullWhen(true)] out HostPatternList? list, [NotNullWhen(false)] out string? error)
    {
        list = null;
        if (field.Length == 0)
        {
            error = "missing host patterns";
            return false;
        }

        if (field[0] == HostNameHasher.Delimiter)
        {
            if (!HostNameHasher.TryExtractSalt(field, out var salt, out error))
            {
                return false;
            }

            list = new HostPatternList(field, salt, []);
            return true;
        }

        var patterns = new List<(string, bool)>();
        var i = 0;
        while (i < field.Length)
        {
            var negated = field[i] == '!';
            if (negated)
            {
                i++;
            }

            var end = field.IndexOf(',', i);
            if (end < 0)
            {
                end = field.Length;
            }

            if (end - i > MaxSubPatternLength)
            {
                error = "host pattern is too long for ssh";
                return false;
            }

            patterns.Add((AsciiCase.ToLower(field[i..end]), negated));
            i = end < field.Length ? end + 1 : end;
        }

        list = new HostPatternList(field, null, [.. patterns]);
        error = null;
        return true;
    }

    /// <summary>Whether the line applies to <paramref name="lookupName"/> (already lower-cased).</summary>
    public bool Matches(string lookupName)
    {
        if (_salt is not null)
        {
            return string.Equals(HostNameHasher.Hash(lookupName, _salt), _field, StringComparison.Ordinal);
        }

        var positive = false;
        foreach (var (pattern, negated) in _patterns)
        {
            if (GlobPattern.IsMatch(lookupName, pattern))
            {
                if (negated)
                {
                    return false;
                }

                positive = true;
            }
        }

        return positive;
    }
}
