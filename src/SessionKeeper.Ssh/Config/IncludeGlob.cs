namespace SessionKeeper.Ssh.Config;

/// <summary>
/// <c>glob(pattern, GLOB_TILDE)</c> as glibc does it for Include: <c>~</c> is $HOME (not the
/// password database), <c>*</c>, <c>?</c> and <c>[...]</c> work per path component and do not match
/// a leading dot, backslash escapes, only existing paths are returned, sorted bytewise.
/// </summary>
internal static class IncludeGlob
{
    public static IReadOnlyList<string> Expand(string pattern, SshConfigEnvironment environment)
    {
        pattern = ExpandTilde(pattern, environment);
        var absolute = pattern.StartsWith('/');
        var components = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var candidates = new List<string> { absolute ? "/" : string.Empty };
        foreach (var component in components)
        {
            var next = new List<string>();
            foreach (var dir in candidates)
            {
                if (!HasMagic(component))
                {
                    next.Add(Join(dir, Unescape(component)));
                    continue;
                }

                var listing = dir.Length == 0 ? "." : dir;
                if (!Directory.Exists(listing))
                {
                    continue;
                }

                // Loops, not LINQ: each generic LINQ operator here was a generic virtual method the
                // Native AOT binary resolved at run time (a tenth of the ssh_config resolution of a
                // run -d, for the one Include of Debian's /etc/ssh/ssh_config).
                var names = new List<string>();
                try
                {
                    foreach (var entry in Directory.EnumerateFileSystemEntries(listing))
                    {
                        names.Add(Path.GetFileName(entry));
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;
                }

                foreach (var name in names)
                {
                    if (FnMatch(component, name))
                    {
                        next.Add(Join(dir, name));
                    }
                }
            }

            candidates = next;
        }

        var found = new List<string>();
        foreach (var path in candidates)
        {
            if (path.Length > 0 && (File.Exists(path) || Directory.Exists(path)))
            {
                found.Add(path);
            }
        }

        found.Sort(StringComparer.Ordinal);
        return found;
    }

    private static string ExpandTilde(string pattern, SshConfigEnvironment environment)
    {
        if (!pattern.StartsWith('~'))
        {
            return pattern;
        }

        var slash = pattern.IndexOf('/', StringComparison.Ordinal);
        var user = slash < 0 ? pattern[1..] : pattern[1..slash];
        var rest = slash < 0 ? string.Empty : pattern[slash..];
        var home = user.Length == 0 ? environment.IncludeHomeDirectory ?? environment.HomeDirectory : PasswdLookup.HomeOf(user);
        return home is null ? pattern : home + rest;
    }

    private static string Join(string dir, string name) => dir.Length == 0 ? name : dir.EndsWith('/') ? dir + name : dir + "/" + name;

    private static bool HasMagic(string component) => component.AsSpan().IndexOfAny("*?[\\") >= 0;

    private static string Unescape(string component)
    {
        var result = new System.Text.StringBuilder(component.Length);
        for (var i = 0; i < component.Length; i++)
        {
            if (component[i] == '\\' && i + 1 < component.Length)
            {
                i++;
            }

            result.Append(component[i]);
        }

        return result.ToString();
    }

    /// <summary><c>fnmatch(pattern, name, FNM_PERIOD)</c> for one path component.</summary>
    private static bool FnMatch(string pattern, string name)
    {
        if (name.StartsWith('.') && !(pattern.StartsWith('.') || pattern.StartsWith("\\.", StringComparison.Ordinal)))
        {
            return false;
        }

        return Match(pattern, 0, name, 0);
    }

    private static bool Match(string p, int pi, string s, int si)
    {
        while (pi < p.Length)
        {
            var c = p[pi];
            switch (c)
            {
                case '*':
                    while (pi < p.Length && p[pi] == '*')
                    {
                        pi++;
                    }

                    for (var k = si; k <= s.Length; k++)
                    {
                        if (Match(p, pi, s, k))
                        {
                            return true;
                        }
                    }

                    return false;
                case '?':
                    if (si >= s.Length)
                    {
                        return false;
                    }

                    pi++;
                    si++;
                    continue;
                case '[':
                    if (si < s.Length && TryMatchBracket(p, ref pi, s[si], out var ok))
                    {
                        if (!ok)
                        {
                            return false;
                        }

                        si++;
                        continue;
                    }

                    if (si >= s.Length)
                    {
                        return false;
                    }

                    break; // an unterminated '[' matches itself
                case '\\' when pi + 1 < p.Length:
                    pi++;
                    c = p[pi];
                    break;
            }

            if (si >= s.Length || s[si] != c)
            {
                return false;
            }

            pi++;
            si++;
        }

        return si == s.Length;
    }

    /// <summary>A bracket expression at <paramref name="pi"/>; false when it is not terminated.</summary>
    private static bool TryMatchBracket(string p, ref int pi, char ch, out bool matched)
    {
        matched = false;
        var i = pi + 1;
        var negate = i < p.Length && p[i] is '!' or '^';
        if (negate)
        {
            i++;
        }

        var first = true;
        var found = false;
        while (i < p.Length && (first || p[i] != ']'))
        {
            first = false;
            var lo = p[i];
            if (lo == '\\' && i + 1 < p.Length)
            {
                lo = p[++i];
            }

            if (i + 2 < p.Length && p[i + 1] == '-' && p[i + 2] != ']')
            {
                var hi = p[i + 2];
                found |= ch >= lo && ch <= hi;
                i += 3;
            }
            else
            {
                found |= ch == lo;
                i++;
            }
        }

        if (i >= p.Length)
        {
            return false;
        }

        pi = i + 1;
        matched = found != negate;
        return true;
    }
}
