using System.Globalization;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// The groups and hosts of one Ansible inventory file, built by the INI or YAML parser and then
/// completed as Ansible does: every group hangs under <c>all</c>, hosts of no group are in
/// <c>ungrouped</c>.
/// </summary>
internal sealed class Inventory
{
    private readonly Dictionary<string, InventoryGroup> groups = new(StringComparer.Ordinal);
    private readonly List<InventoryGroup> groupOrder = [];
    private readonly Dictionary<string, InventoryHost> hosts = new(StringComparer.Ordinal);
    private readonly List<InventoryHost> hostOrder = [];

    public Inventory(string path)
    {
        Path = path;
        All = GetOrAddGroup("all");
        Ungrouped = GetOrAddGroup("ungrouped");
        AddChild(All, Ungrouped, 0);
    }

    /// <summary>The path named in sources and errors.</summary>
    public string Path { get; }

    public InventoryGroup All { get; }

    public InventoryGroup Ungrouped { get; }

    public IReadOnlyList<InventoryGroup> Groups => groupOrder;

    public IReadOnlyList<InventoryHost> Hosts => hostOrder;

    public string At(int line) => $"{Path}:{line}";

    public InventoryGroup? FindGroup(string name) => groups.GetValueOrDefault(name);

    public InventoryHost? FindHost(string name) => hosts.GetValueOrDefault(name);

    public InventoryGroup GetOrAddGroup(string name)
    {
        if (!groups.TryGetValue(name, out var group))
        {
            group = new InventoryGroup(name);
            groups.Add(name, group);
            groupOrder.Add(group);
        }

        return group;
    }

    /// <summary>Adds the host to the group. As in Ansible, a <c>:port</c> counts only where the host first appears.</summary>
    public InventoryHost AddHost(string name, InventoryGroup group, int line, int? port)
    {
        if (!hosts.TryGetValue(name, out var host))
        {
            host = new InventoryHost(name, hostOrder.Count, line);
            hosts.Add(name, host);
            hostOrder.Add(host);
            if (port is { } value)
            {
                host.Vars["ansible_port"] = new InventoryValue(value.ToString(CultureInfo.InvariantCulture), line);
            }
        }

        if (!group.Hosts.Contains(host))
        {
            group.Hosts.Add(host);
            host.Groups.Add(group);
        }

        return host;
    }

    /// <exception cref="TargetSyntaxException">The edge would make a cycle, or puts <c>all</c> below another group.</exception>
    public void AddChild(InventoryGroup parent, InventoryGroup child, int line)
    {
        if (parent.Children.Contains(child))
        {
            return;
        }

        if (child == All)
        {
            throw new TargetSyntaxException(At(line), $"group 'all' holds every group and cannot be a child of '{parent.Name}'");
        }

        if (child == parent)
        {
            throw new TargetSyntaxException(At(line), $"group '{child.Name}' cannot be a child of itself");
        }

        if (PathDown(child, parent) is { } path)
        {
            throw new TargetSyntaxException(
                At(line),
                $"making '{child.Name}' a child of '{parent.Name}' creates a cycle: {string.Join(" > ", path.Append(child.Name))}");
        }

        parent.Children.Add(child);
        child.Parents.Add(parent);
    }

    /// <summary>The chain of group names from <paramref name="from"/> down to <paramref name="to"/>, or null.</summary>
    private static List<string>? PathDown(InventoryGroup from, InventoryGroup to)
    {
        if (from == to)
        {
            return [to.Name];
        }

        foreach (var child in from.Children)
        {
            if (PathDown(child, to) is { } rest)
            {
                rest.Insert(0, from.Name);
                return rest;
            }
        }

        return null;
    }
}
