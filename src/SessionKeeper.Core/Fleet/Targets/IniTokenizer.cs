using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// Splits an INI host line as Ansible does (Python's <c>shlex.split(line, comments=True)</c>):
/// whitespace separates words, <c>'...'</c> is literal, <c>"..."</c> honours <c>\"</c> and
/// <c>\\</c>, a backslash outside quotes escapes the next character, and an unquoted <c>#</c>
/// starts a comment.
/// </summary>
internal static class IniTokenizer
{
    public static bool TrySplit(string line, out List<string> tokens, [NotNullWhen(false)] out string? error)
    {
        tokens = [];
        var token = new StringBuilder();
        var inToken = false;
        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (char.IsWhiteSpace(c) || c == '#')
            {
                if (inToken)
                {
                    tokens.Add(token.ToString());
                    token.Clear();
                    inToken = false;
                }

                if (c == '#')
                {
                    break;
                }

                i++;
                continue;
            }

            inToken = true;
            switch (c)
            {
                case '\'':
                    var close = line.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        error = $"the quote ' at column {i + 1} is never closed";
                        return false;
                    }

                    token.Append(line, i + 1, close - i - 1);
                    i = close + 1;
                    break;
                case '"':
                    if (!TryReadDoubleQuoted(line, ref i, token, out error))
                    {
                        return false;
                    }

                    break;
                case '\\' when i + 1 < line.Length:
                    token.Append(line[i + 1]);
                    i += 2;
                    break;
                case '\\':
                    error = "the line ends with a lone '\\'";
                    return false;
                default:
                    token.Append(c);
                    i++;
                    break;
            }
        }

        if (inToken)
        {
            tokens.Add(token.ToString());
        }

        error = null;
        return true;
    }

    private static bool TryReadDoubleQuoted(string line, ref int i, StringBuilder token, [NotNullWhen(false)] out string? error)
    {
        var start = i;
        i++;
        while (i < line.Length && line[i] != '"')
        {
            if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\')
            {
                i++;
            }

            token.Append(line[i]);
            i++;
        }

        if (i >= line.Length)
        {
            error = $"the quote \" at column {start + 1} is never closed";
            return false;
        }

        i++;
        error = null;
        return true;
    }
}
