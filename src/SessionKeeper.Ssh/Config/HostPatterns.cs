namespace SessionKeeper.Ssh.Config;

/// <summary>OpenSSH's match.c: wildcard patterns and comma-separated pattern lists.</summary>
internal static class HostPatterns
{
    private const int MaxSubpatternLength = 1023;

    /// <summary>
    /// <c>match_pattern()</c>: <c>*</c> matches any run, <c>?</c> one character, everything else
    /// itself, case-sensitively. There is no escape character.
    /// </summary>
    public static bool Match(string text, string pattern) => HostKeys.GlobPattern.IsMatch(text, pattern);

    /// <summary>
    /// <c>match_pattern_list()</c>: 1 if a positive subpattern matches, -1 if a negated one
    /// (<c>!pattern</c>) matches (which wins), 0 otherwise. With <paramref name="lowerPatterns"/>
    /// the subpatterns are lower-cased (ASCII) first.
    /// </summary>
    public static int MatchList(string text, string patternList, bool lowerPatterns)
    {
        var gotPositive = false;
        var i = 0;
        while (i < patternList.Length)
        {
            var negated = patternList[i] == '!';
            if (negated)
            {
                i++;
            }

            var start = i;
            while (i < patternList.Length && patternList[i] != ',')
            {
                i++;
            }

            if (i - start >= MaxSubpatternLength)
            {
                return 0;
            }

            var sub = patternList[start..i];
            if (lowerPatterns)
            {
                sub = Ascii.ToLower(sub);
            }

            if (i < patternList.Length)
            {
                i++; // the comma
            }

            if (Match(text, sub))
            {
                if (negated)
                {
                    return -1;
                }

                gotPositive = true;
            }
        }

        return gotPositive ? 1 : 0;
    }

    /// <summary><c>match_hostname()</c>: the host is lower-cased, and so are the patterns.</summary>
    public static int MatchHostName(string host, string patternList) =>
        MatchList(Ascii.ToLower(host), patternList, lowerPatterns: true);
}
