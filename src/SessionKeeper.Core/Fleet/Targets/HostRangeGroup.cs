using System.Diagnostics.CodeAnalysis;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>The values of one bracket group: <c>1,3,5-7</c>, <c>a-c</c>, <c>01:20:2</c>, <c>x,y</c>.</summary>
internal static class HostRangeGroup
{
    public static bool TryParse(
        string content,
        HostRangeSyntax syntax,
        [NotNullWhen(true)] out IReadOnlyList<string>? values,
        [NotNullWhen(false)] out string? error)
    {
        values = null;
        if (syntax == HostRangeSyntax.Ansible)
        {
            if (!content.Contains(':', StringComparison.Ordinal))
            {
                error = $"'[{content}]' is not an Ansible range: write [begin:end] or [begin:end:step]";
                return false;
            }

            var range = new List<string>();
            if (!TryAddColonRange(content, syntax, range, out error))
            {
                return false;
            }

            values = range;
            return true;
        }

        if (content.Length == 0)
        {
            error = "'[]' is empty: write a range such as [1-5] or a list such as [1,3]";
            return false;
        }

        var all = new List<string>();
        foreach (var item in content.Split(','))
        {
            if (!TryAddItem(item, content, all, out error))
            {
                return false;
            }

            if (all.Count > HostRange.MaxHosts)
            {
                error = $"'[{content}]' expands to more than {HostRange.MaxHosts} values";
                return false;
            }
        }

        values = all;
        error = null;
        return true;
    }

    private static bool TryAddItem(string item, string content, List<string> values, [NotNullWhen(false)] out string? error)
    {
        if (item.Length == 0)
        {
            error = $"'[{content}]' has an empty item between commas";
            return false;
        }

        if (item.Contains(':', StringComparison.Ordinal))
        {
            return TryAddColonRange(item, HostRangeSyntax.CommandLine, values, out error);
        }

        var dash = item.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0 && dash == item.LastIndexOf('-'))
        {
            var begin = item[..dash];
            var end = item[(dash + 1)..];
            if (begin.Length == 0 || end.Length == 0)
            {
                error = $"'{item}' in '[{content}]' is an incomplete range: write begin-end, such as 1-5";
                return false;
            }

            if (IsBound(begin) && IsBound(end))
            {
                return TryAddRange(item, begin, end, 1, values, out error);
            }
        }

        foreach (var c in item)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.')
            {
                error = $"'{item}' in '[{content}]' has '{c}': list items may hold letters, digits, '-', '_' and '.'";
                return false;
            }
        }

        values.Add(item);
        error = null;
        return true;
    }

    private static bool TryAddColonRange(string item, HostRangeSyntax syntax, List<string> values, [NotNullWhen(false)] out string? error)
    {
        var bounds = item.Split(':');
        if (bounds.Length is not 2 and not 3)
        {
            error = $"'{item}' is not a range: write begin:end or begin:end:step";
            return false;
        }

        // Ansible reads an empty begin as 0 ("[:5]"); the command line wants it spelled out.
        var begin = bounds[0].Length == 0 && syntax == HostRangeSyntax.Ansible ? "0" : bounds[0];
        var end = bounds[1];
        if (begin.Length == 0 || end.Length == 0)
        {
            error = $"'{item}' is missing its {(begin.Length == 0 ? "begin" : "end")} value";
            return false;
        }

        var step = 1;
        if (bounds.Length == 3 && (!IsDigits(bounds[2]) || !int.TryParse(bounds[2], out step) || step < 1))
        {
            error = $"'{item}' has step '{bounds[2]}': the step must be a whole number of at least 1";
            return false;
        }

        return TryAddRange(item, begin, end, step, values, out error);
    }

    private static bool TryAddRange(string item, string begin, string end, int step, List<string> values, [NotNullWhen(false)] out string? error)
    {
        if (IsDigits(begin) && IsDigits(end))
        {
            return HostRangeNumbers.TryAdd(item, begin, end, step, values, out error);
        }

        if (IsLetter(begin) && IsLetter(end))
        {
            return TryAddLetters(item, begin[0], end[0], step, values, out error);
        }

        error = $"'{item}' is not a range: its bounds must both be numbers or both be single letters";
        return false;
    }

    // Ansible's order: a-z then A-Z, so [x:B] is x, y, z, A, B.
    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private static bool TryAddLetters(string item, char begin, char end, int step, List<string> values, [NotNullWhen(false)] out string? error)
    {
        var first = Letters.IndexOf(begin, StringComparison.Ordinal);
        var last = Letters.IndexOf(end, StringComparison.Ordinal);
        if (first > last)
        {
            error = $"'{item}' runs backwards: '{begin}' comes after '{end}'";
            return false;
        }

        for (var i = first; i <= last; i += step)
        {
            values.Add(Letters[i].ToString());
        }

        error = null;
        return true;
    }

    private static bool IsBound(string text) => IsDigits(text) || IsLetter(text);

    private static bool IsLetter(string text) => text.Length == 1 && char.IsAsciiLetter(text[0]);

    internal static bool IsDigits(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);
}
