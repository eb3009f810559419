using System.Text.RegularExpressions;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// Ansible host patterns over one inventory: <c>web</c>, <c>web,db</c> or <c>web:db</c> (union),
/// <c>web:!web3</c> (exclusion), <c>web:&amp;staging</c> (intersection), <c>web*</c> and
/// <c>~web\d+</c>. Unions are applied first, then intersections, then exclusions. Unlike Ansible,
/// a name that matches nothing is an error rather than a warning: a typo must not shrink a fleet.
/// </summary>
internal static partial class InventoryPattern
{
    /// <summary>The hosts of <paramref name="inventory"/> that <paramref name="pattern"/> selects.</summary>
    /// <param name="inventory">The parsed inventory.</param>
    /// <param name="pattern">Ansible's host pattern syntax.</param>
    /// <param name="location">Where the pattern came from, for errors.</param>
    public static IReadOnlyList<InventoryHost> Select(Inventory inventory, string pattern, string location)
    {
        var terms = Split(pattern);
        if (terms.Count == 0)
        {
            throw new TargetSyntaxException(location, "the group pattern is empty: name a group such as 'all'");
        }

        var ordered = terms.Where(t => t[0] is not '!' and not '&').ToList();
        if (ordered.Count == 0)
        {
            ordered.Add("all");
        }

        ordered.AddRange(terms.Where(t => t[0] == '&'));
        ordered.AddRange(terms.Where(t => t[0] == '!'));

        var selected = new List<InventoryHost>();
        foreach (var term in ordered)
        {
            var name = term[0] is '!' or '&' ? term[1..] : term;
            var matches = Match(inventory, name, location);
            var matched = matches.ToHashSet();
            selected = term[0] switch
            {
                '!' => selected.Where(host => !matched.Contains(host)).ToList(),
                '&' => selected.Where(matched.Contains).ToList(),
                _ => selected.Union(matches).ToList(),
            };
        }

        return selected;
    }

    /// <summary>Ansible's split: on commas if there are any, else on colons outside brackets.</summary>
    private static List<string> Split(string pattern)
    {
        var parts = pattern.Contains(',', StringComparison.Ordinal)
            ? pattern.Split(',')
            : ColonSeparated().Matches(pattern).Select(m => m.Value).ToArray();
        return parts.Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
    }

    private static IReadOnlyList<InventoryHost> Match(Inventory inventory, string name, string location)
    {
        if (name.Length == 0)
        {
            throw new TargetSyntaxException(location, "'!' or '&' must be followed by a group or host name");
        }

        if (inventory.FindHost(name) is { } exact && inventory.FindGroup(name) is null)
        {
            return [exact];
        }

        var matcher = Matcher(name, location);
        var groups = inventory.Groups.Where(g => matcher(g.Name)).ToList();
        var results = groups.SelectMany(g => g.AllHosts()).ToList();
        var wildcard = name[0] == '~' || name.AsSpan().IndexOfAny("*?[.") >= 0;
        if (groups.Count == 0 || wildcard)
        {
            results.AddRange(inventory.Hosts.Where(h => matcher(h.Name)));
        }

        if (groups.Count == 0 && results.Count == 0)
        {
            var known = string.Join(", ", inventory.Groups.Select(g => g.Name).Order(StringComparer.Ordinal));
            throw new TargetSyntaxException(
                location,
                $"no group or host in {inventory.Path} matches '{name}'; its groups are: {known}");
        }

        return results.Distinct().ToList();
    }

    private static Func<string, bool> Matcher(string name, string location)
    {
        string expression;
        if (name[0] == '~')
        {
            expression = name[1..];
        }
        else if (name.AsSpan().IndexOfAny("*?") >= 0)
        {
            expression = "^" + Regex.Escape(name).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$";
        }
        else
        {
            return candidate => string.Equals(candidate, name, StringComparison.Ordinal);
        }

        try
        {
            var regex = new Regex("^(?:" + expression + ")", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return candidate => regex.IsMatch(candidate);
        }
        catch (ArgumentException ex)
        {
            throw new TargetSyntaxException(location, $"'{name}' is not a valid pattern: {ex.Message}");
        }
    }

    // A term is anything but whitespace, ':' and brackets, or a whole bracketed expression.
    [GeneratedRegex(@"(?:[^\s:\[\]]|\[[^\]]*\])+")]
    private static partial Regex ColonSeparated();
}
