using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// Ansible's YAML inventory: top-level keys are groups (usually just <c>all</c>), each a mapping
/// of <c>hosts</c> (host pattern to variables or nothing), <c>children</c> (group name to the same
/// structure) and <c>vars</c>.
/// </summary>
internal sealed partial class YamlInventoryParser
{
    private readonly Inventory inventory;

    private YamlInventoryParser(string path) => inventory = new Inventory(path);

    /// <exception cref="TargetSyntaxException">The text is malformed; the message names <c>path:line</c>.</exception>
    public static Inventory Parse(string text, string path)
    {
        var parser = new YamlInventoryParser(path);
        var root = Load(text, path);
        if (root is not YamlMappingNode groups)
        {
            throw new TargetSyntaxException(
                $"{path}:{Line(root)}",
                $"a YAML inventory is a mapping of groups (such as 'all:'), not {YamlNodes.Describe(root)}");
        }

        if (groups.Children.Keys.FirstOrDefault(k => YamlNodes.Text(k) == "plugin") is { } plugin)
        {
            throw new TargetSyntaxException(
                parser.At(plugin),
                "this is the configuration of an inventory plugin, not a static inventory; give a file that lists hosts");
        }

        foreach (var (key, value) in groups.Children)
        {
            parser.ParseGroup(parser.NameOf(key, "group"), value);
        }

        return parser.inventory.Complete();
    }

    private static YamlNode Load(string text, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new TargetSyntaxException($"{path}:{ex.Start.Line}", $"invalid YAML: {CleanMessage(ex)}");
        }

        var root = stream.Documents.FirstOrDefault()?.RootNode;
        return root is null || YamlNodes.IsNull(root)
            ? throw new TargetSyntaxException(path, "the YAML inventory is empty: it needs at least 'all:' with hosts")
            : root;
    }

    private void ParseGroup(string name, YamlNode value)
    {
        var group = inventory.GetOrAddGroup(name);
        if (YamlNodes.IsNull(value))
        {
            return;
        }

        if (value is not YamlMappingNode sections)
        {
            throw new TargetSyntaxException(
                At(value), $"group '{name}' must be a mapping of hosts, children and vars, not {YamlNodes.Describe(value)}");
        }

        foreach (var (sectionKey, sectionValue) in sections.Children)
        {
            var section = NameOf(sectionKey, $"key of group '{name}'");
            if (section is not "hosts" and not "children" and not "vars")
            {
                throw new TargetSyntaxException(
                    At(sectionKey), $"unexpected key '{section}' in group '{name}': a group has only hosts, children and vars");
            }

            foreach (var (itemKey, itemValue) in Entries(section, name, sectionValue))
            {
                ParseEntry(group, section, itemKey, itemValue);
            }
        }
    }

    private void ParseEntry(InventoryGroup group, string section, YamlNode key, YamlNode value)
    {
        var line = Line(key);
        switch (section)
        {
            case "vars":
                group.Vars[NameOf(key, "variable")] = Variable(key, value);
                break;
            case "children":
                // The edge goes in before the child's own children, so a cycle is reported where it closes.
                var name = NameOf(key, "group");
                inventory.AddChild(group, inventory.GetOrAddGroup(name), line);
                ParseGroup(name, value);
                break;
            default:
                ParseHost(group, key, value);
                break;
        }
    }

    private void ParseHost(InventoryGroup group, YamlNode key, YamlNode value)
    {
        var pattern = NameOf(key, "host");
        if (!YamlNodes.IsNull(value) && value is not YamlMappingNode)
        {
            throw new TargetSyntaxException(
                At(value), $"host '{pattern}' in group '{group.Name}' must have a mapping of variables or nothing, not {YamlNodes.Describe(value)}");
        }

        var line = Line(key);
        foreach (var name in IniHostLine.ExpandPattern(pattern, At(key), out var port))
        {
            var host = inventory.AddHost(name, group, line, port);
            if (value is YamlMappingNode vars)
            {
                foreach (var (varKey, varValue) in vars.Children)
                {
                    host.Vars[NameOf(varKey, "variable")] = Variable(varKey, varValue);
                }
            }
        }
    }

    /// <summary>The entries of a hosts, children or vars section; a lone string counts as one key, as in Ansible.</summary>
    private IEnumerable<KeyValuePair<YamlNode, YamlNode>> Entries(string section, string group, YamlNode value)
    {
        if (YamlNodes.IsNull(value))
        {
            return [];
        }

        return value switch
        {
            YamlMappingNode mapping => mapping.Children,
            YamlScalarNode scalar => [new(scalar, new YamlScalarNode(null))],
            _ => throw new TargetSyntaxException(
                At(value),
                $"'{section}' of group '{group}' must be a mapping, not {YamlNodes.Describe(value)}"
                + (section == "hosts" ? "; write each host as a key ending in ':'" : "")),
        };
    }

    private InventoryValue Variable(YamlNode key, YamlNode value)
    {
        var name = YamlNodes.Text(key);
        if (value is YamlScalarNode scalar)
        {
            return new InventoryValue(YamlNodes.IsNull(scalar) ? null : scalar.Value, Line(value));
        }

        if (ConnectionVariable().IsMatch(name ?? ""))
        {
            throw new TargetSyntaxException(At(value), $"{name} must be a single value, not {YamlNodes.Describe(value)}");
        }

        return new InventoryValue(null, Line(value));
    }

    private string NameOf(YamlNode key, string what) =>
        key is YamlScalarNode { Value: { Length: > 0 } text } && !YamlNodes.IsNull(key)
            ? text
            : throw new TargetSyntaxException(At(key), $"a {what} name must be a plain string, not {YamlNodes.Describe(key)}");

    private string At(YamlNode node) => inventory.At(Line(node));

    private static int Line(YamlNode node) => (int)node.Start.Line;

    private static string CleanMessage(YamlException ex) =>
        LocationPrefix().Replace(ex.Message, "");

    [GeneratedRegex(@"^ansible_(ssh_)?(host|port|user)$")]
    private static partial Regex ConnectionVariable();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex LocationPrefix();
}
