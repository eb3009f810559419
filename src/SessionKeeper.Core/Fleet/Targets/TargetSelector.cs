namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// Turns the target arguments of a fleet run into hosts. Each argument is either a list of hosts
/// (<c>web1,web2</c>, <c>deploy@db[1-3].example.com:2222</c>) or, starting with <c>@</c>, a file:
/// a host list (<c>@hosts.txt</c>) or an Ansible inventory with an optional group or pattern
/// (<c>@inventory.ini</c>, <c>@inventory.yml:web</c>, <c>@inventory.ini:web:!web3</c>).
/// </summary>
internal static class TargetSelector
{
    /// <summary>The <see cref="FleetTarget.Source"/> of hosts named on the command line.</summary>
    public const string CommandLine = "command line";

    /// <inheritdoc cref="Resolve(IEnumerable{string}, string, string?)"/>
    public static IReadOnlyList<FleetTarget> Resolve(IEnumerable<string> specs, string currentDirectory) =>
        Resolve(specs, currentDirectory, homeDirectory: null);

    /// <param name="specs">The target arguments, one per command-line argument.</param>
    /// <param name="currentDirectory">The absolute directory that relative file names are read from.</param>
    /// <param name="homeDirectory">What <c>@~/file</c> expands to; null to refuse <c>~</c>.</param>
    /// <returns>
    /// The targets in argument order, then file order. A target whose user, name and port were
    /// already listed is dropped: the first one wins.
    /// </returns>
    /// <exception cref="TargetSyntaxException">An argument, file or inventory is malformed, or an argument selects no host.</exception>
    public static IReadOnlyList<FleetTarget> Resolve(IEnumerable<string> specs, string currentDirectory, string? homeDirectory)
    {
        var targets = new List<FleetTarget>();
        var seen = new HashSet<(string? User, string Name, int? Port)>();
        foreach (var spec in specs)
        {
            var location = $"argument '{spec}'";
            var found = spec.StartsWith('@')
                ? TargetFileReference.Resolve(spec, location, currentDirectory, homeDirectory)
                : FromList(spec, location);
            if (found.Count == 0)
            {
                throw new TargetSyntaxException(location, "selects no hosts");
            }

            targets.AddRange(found.Where(target => seen.Add((target.User, target.Name, target.Port))));
        }

        return targets;
    }

    private static List<FleetTarget> FromList(string spec, string location)
    {
        if (string.IsNullOrWhiteSpace(spec))
        {
            throw new TargetSyntaxException(location, "is empty: give host names such as web1,web2, a range such as web[1-3], or @file");
        }

        var targets = new List<FleetTarget>();
        foreach (var item in SplitItems(spec).Select(i => i.Trim()).Where(i => i.Length > 0))
        {
            if (item.StartsWith('@'))
            {
                throw new TargetSyntaxException(location, $"a file such as '{item}' must be an argument of its own");
            }

            if (!HostEntry.TryParse(item, CommandLine, out var found, out var error))
            {
                throw new TargetSyntaxException(location, item == spec ? error : $"in '{item}': {error}");
            }

            targets.AddRange(found);
        }

        return targets;
    }

    /// <summary>Splits on commas outside brackets, so that <c>web[1,3],db1</c> is two items.</summary>
    internal static List<string> SplitItems(string spec)
    {
        var items = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < spec.Length; i++)
        {
            depth += spec[i] switch { '[' => 1, ']' => depth > 0 ? -1 : 0, _ => 0 };
            if (spec[i] == ',' && depth == 0)
            {
                items.Add(spec[start..i]);
                start = i + 1;
            }
        }

        items.Add(spec[start..]);
        return items;
    }
}
