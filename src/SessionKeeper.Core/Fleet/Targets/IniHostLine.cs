namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// One host line of an INI inventory: <c>web[01:20].example.com:2222 ansible_user=deploy</c>.
/// </summary>
internal static class IniHostLine
{
    public static void Parse(Inventory inventory, InventoryGroup group, string text, int line)
    {
        var here = inventory.At(line);
        if (!IniTokenizer.TrySplit(text, out var tokens, out var error))
        {
            throw new TargetSyntaxException(here, $"cannot read host line '{text}': {error}");
        }

        if (tokens.Count == 0)
        {
            return;
        }

        if (tokens[0].Contains('=', StringComparison.Ordinal))
        {
            // Ansible would take this as a host named "ansible_user=deploy"; nobody means that.
            throw new TargetSyntaxException(
                here, $"'{tokens[0]}' is a variable, not a host: set group variables under [{group.Name}:vars]");
        }

        var names = ExpandPattern(tokens[0], here, out var port);
        var vars = new List<(string Name, string Value)>();
        foreach (var token in tokens.Skip(1))
        {
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw new TargetSyntaxException(here, $"expected key=value host variable after '{tokens[0]}', got '{token}'");
            }

            if (equals == 0)
            {
                throw new TargetSyntaxException(here, $"host variable '{token}' has no name before '='");
            }

            vars.Add((token[..equals], IniValue.FromHostLine(token[(equals + 1)..])));
        }

        foreach (var name in names)
        {
            var host = inventory.AddHost(name, group, line, port);
            foreach (var (key, value) in vars)
            {
                host.Vars[key] = new InventoryValue(value, line);
            }
        }
    }

    /// <summary>Ansible's host pattern: an optional <c>:port</c> and <c>[begin:end(:step)]</c> ranges.</summary>
    public static IReadOnlyList<string> ExpandPattern(string pattern, string here, out int? port)
    {
        if (pattern == "---")
        {
            throw new TargetSyntaxException(here, "'---' starts a YAML document: name the file .yml or .yaml to read it as YAML");
        }

        if (!HostAddress.TrySplit(pattern, out var host, out port, out var error))
        {
            throw new TargetSyntaxException(here, $"host '{pattern}': {error}");
        }

        if (HostAddress.IsIPv6(host) || host.AsSpan().IndexOfAny('[', ']') < 0)
        {
            return [host];
        }

        return HostRange.TryExpand(host, HostRangeSyntax.Ansible, out var names, out error)
            ? names
            : throw new TargetSyntaxException(here, $"host pattern '{host}': {error}");
    }
}
