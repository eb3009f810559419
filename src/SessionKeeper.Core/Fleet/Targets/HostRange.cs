using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// Expands bracketed ranges in host names: <c>web[01-03]</c> gives web01, web02, web03. Several
/// bracket groups give every combination, the first group varying slowest, as Ansible does.
/// </summary>
internal static class HostRange
{
    /// <summary>The most hosts one pattern may expand to; more is almost surely a typo.</summary>
    public const int MaxHosts = 100_000;

    /// <summary>Expands a pattern in <see cref="HostRangeSyntax.CommandLine"/> syntax.</summary>
    /// <exception cref="TargetSyntaxException">The pattern is malformed or too large.</exception>
    public static IReadOnlyList<string> Expand(string pattern) => Expand(pattern, HostRangeSyntax.CommandLine);

    /// <exception cref="TargetSyntaxException">The pattern is malformed or too large.</exception>
    public static IReadOnlyList<string> Expand(string pattern, HostRangeSyntax syntax) =>
        TryExpand(pattern, syntax, out var hosts, out var error)
            ? hosts
            : throw new TargetSyntaxException($"host pattern '{pattern}'", error);

    internal static bool TryExpand(
        string pattern,
        HostRangeSyntax syntax,
        [NotNullWhen(true)] out IReadOnlyList<string>? hosts,
        [NotNullWhen(false)] out string? error)
    {
        hosts = null;
        if (pattern.Length == 0)
        {
            error = "the host name is empty";
            return false;
        }

        if (!TrySplit(pattern, syntax, out var parts, out error))
        {
            return false;
        }

        long count = 1;
        foreach (var part in parts)
        {
            count *= part.Count;
            if (count > MaxHosts)
            {
                error = $"expands to more than {MaxHosts} hosts";
                return false;
            }
        }

        hosts = Combine(parts, (int)count);
        return true;
    }

    private static bool TrySplit(
        string pattern,
        HostRangeSyntax syntax,
        out List<IReadOnlyList<string>> parts,
        [NotNullWhen(false)] out string? error)
    {
        parts = [];
        var position = 0;
        while (position < pattern.Length)
        {
            var open = pattern.IndexOfAny(['[', ']'], position);
            if (open < 0)
            {
                parts.Add([pattern[position..]]);
                break;
            }

            if (pattern[open] == ']')
            {
                error = $"']' at position {open + 1} has no matching '['";
                return false;
            }

            var close = pattern.IndexOfAny(['[', ']'], open + 1);
            if (close < 0 || pattern[close] == '[')
            {
                error = $"'[' at position {open + 1} has no matching ']'";
                return false;
            }

            if (open > position)
            {
                parts.Add([pattern[position..open]]);
            }

            if (!HostRangeGroup.TryParse(pattern[(open + 1)..close], syntax, out var values, out error))
            {
                return false;
            }

            parts.Add(values);
            position = close + 1;
        }

        error = null;
        return true;
    }

    private static string[] Combine(List<IReadOnlyList<string>> parts, int count)
    {
        var hosts = new string[count];
        var indexes = new int[parts.Count];
        var builder = new StringBuilder();
        for (var n = 0; n < count; n++)
        {
            builder.Clear();
            for (var p = 0; p < parts.Count; p++)
            {
                builder.Append(parts[p][indexes[p]]);
            }

            hosts[n] = builder.ToString();
            for (var p = parts.Count - 1; p >= 0; p--)
            {
                if (++indexes[p] < parts[p].Count)
                {
                    break;
                }

                indexes[p] = 0;
            }
        }

        return hosts;
    }
}
