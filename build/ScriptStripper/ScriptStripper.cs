using System.Text;

namespace SessionKeeper.Build;

/// <summary>
/// The scripts as sent: without their comment lines, blank lines, indentation and trailing blanks,
/// which every call would otherwise carry over the wire and through the target's sh parser or perl
/// compiler (about 40% of the payload). Only whole lines are dropped and only blanks at a line's
/// ends are cut, and only where a small scanner knows the line starts and ends outside any quote,
/// here-document, multi-line string or continued line; what it does not follow (POD, formats, an
/// unterminated construct) leaves the whole script as it is. The sources stay commented.
/// </summary>
internal static partial class ScriptStripper
{
    private static string Join(List<string> lines) => lines.Count == 0 ? "" : string.Join('\n', lines) + "\n";

    private static string[] Lines(string text)
    {
        var lines = text.Split('\n');

        // A final newline leaves an empty last element, which is no line.
        return lines.Length > 0 && lines[^1].Length == 0 ? lines[..^1] : lines;
    }

    private static bool IsBlank(char c) => c is ' ' or '\t';

    private static string TrimEndBlanks(string line)
    {
        var end = line.Length;
        while (end > 0 && IsBlank(line[end - 1]))
        {
            end--;
        }

        // An escaped blank is a character of a word, not trailing space.
        return end == line.Length || (end > 0 && line[end - 1] == '\\') ? line : line[..end];
    }

    private static string TrimStartBlanks(string line)
    {
        var start = 0;
        while (start < line.Length && IsBlank(line[start]))
        {
            start++;
        }

        return line[start..];
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static string Unquote(string word)
    {
        var text = new StringBuilder();
        for (var i = 0; i < word.Length; i++)
        {
            var c = word[i];
            if (c is '\'' or '"')
            {
                var close = word.IndexOf(c, i + 1);
                close = close < 0 ? word.Length : close;
                text.Append(word, i + 1, close - i - 1);
                i = close;
            }
            else if (c == '\\' && i + 1 < word.Length)
            {
                text.Append(word[++i]);
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }
}
