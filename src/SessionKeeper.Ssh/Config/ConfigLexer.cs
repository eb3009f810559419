namespace SessionKeeper.Ssh.Config;

/// <summary>
/// OpenSSH's tokenisers for ssh_config lines, ported to the letter because their corner cases
/// decide what a line means: <c>strdelim()</c> (keyword and <c>Match</c> criteria: whitespace,
/// one optional <c>=</c>, double quotes) and <c>argv_split()</c> (arguments: single and double
/// quotes, backslash escapes, <c>#</c> comments).
/// </summary>
internal static class ConfigLexer
{
    /// <summary>Position value standing for C's NULL pointer: nothing left to read.</summary>
    public const int End = -1;

    private const string Whitespace = " \t\r\n";

    private static readonly System.Buffers.SearchValues<char> Delimiters = System.Buffers.SearchValues.Create(" \t\r\n\"=");

    /// <summary>Removes trailing whitespace (and form feeds) the way readconf.c does; index 0 is kept.</summary>
    public static string TrimLineEnd(string line)
    {
        var nul = line.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0)
        {
            line = line[..nul];
        }

        if (line.Length == 0)
        {
            return line;
        }

        var len = line.Length - 1;
        for (; len > 0; len--)
        {
            if (!(Whitespace + "\f").Contains(line[len], StringComparison.Ordinal))
            {
                break;
            }
        }

        // The scan never looks at index 0, so a lone whitespace character there stays.
        return line[..(len + 1)];
    }

    /// <summary>
    /// <c>strdelim()</c>: returns the next token (possibly empty) and advances <paramref name="pos"/>,
    /// or returns null (unterminated quote, or nothing left). <paramref name="pos"/> becomes
    /// <see cref="End"/> when the string is used up.
    /// </summary>
    public static string? StrDelim(string s, ref int pos)
    {
        if (pos == End)
        {
            return null;
        }

        var old = pos;
        var i = s.AsSpan(old).IndexOfAny(Delimiters);
        if (i < 0)
        {
            pos = End;
            return s[old..];
        }

        i += old;
        if (s[i] == '"')
        {
            var close = s.IndexOf('"', i + 1);
            if (close < 0)
            {
                pos = End;
                return null;
            }

            pos = close + 1 + SpanOfWhitespace(s, close + 1);
            return string.Concat(s.AsSpan(old, i - old), s.AsSpan(i + 1, close - i - 1));
        }

        var sawEquals = s[i] == '=';
        var token = s[old..i];
        var p = i + 1 + SpanOfWhitespace(s, i + 1);
        if (p < s.Length && s[p] == '=' && !sawEquals)
        {
            p = p + 1 + SpanOfWhitespace(s, p + 1);
        }

        pos = p;
        return token;
    }

    /// <summary>Skips whitespace (<c>strspn(str, WHITESPACE)</c>); <see cref="End"/> stays put.</summary>
    public static int SkipWhitespace(string s, int pos, string extra = "") =>
        pos == End ? End : pos + SpanOf(s, pos, Whitespace + extra);

    /// <summary>
    /// <c>argv_split(s, ..., terminate_on_comment=1)</c>. Returns null for an unterminated quote.
    /// </summary>
    public static List<string>? ArgvSplit(string s)
    {
        var args = new List<string>();
        var i = 0;
        while (i < s.Length)
        {
            if (s[i] is ' ' or '\t')
            {
                i++;
                continue;
            }

            if (s[i] == '#')
            {
                break;
            }

            var arg = new System.Text.StringBuilder();
            var quote = '\0';
            for (; i < s.Length; i++)
            {
                var c = s[i];
                if (c == '\\')
                {
                    var next = i + 1 < s.Length ? s[i + 1] : '\0';
                    if (next is '\'' or '"' or '\\' || (quote == '\0' && next == ' '))
                    {
                        i++;
                        arg.Append(s[i]);
                    }
                    else
                    {
                        arg.Append(c);
                    }
                }
                else if (quote == '\0' && c is ' ' or '\t')
                {
                    break;
                }
                else if (quote == '\0' && c is '"' or '\'')
                {
                    quote = c;
                }
                else if (quote != '\0' && c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    arg.Append(c);
                }
            }

            args.Add(arg.ToString());
            if (i >= s.Length)
            {
                if (quote != '\0')
                {
                    return null;
                }

                break;
            }
        }

        return args;
    }

    private static int SpanOfWhitespace(string s, int from) => SpanOf(s, from, Whitespace);

    private static int SpanOf(string s, int from, string set)
    {
        var n = 0;
        while (from + n < s.Length && set.Contains(s[from + n], StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
