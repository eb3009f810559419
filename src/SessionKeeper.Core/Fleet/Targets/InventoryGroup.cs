namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>A group of an Ansible inventory.</summary>
internal sealed class InventoryGroup(string name)
{
    public string Name { get; } = name;

    public List<InventoryGroup> Parents { get; } = [];

    public List<InventoryGroup> Children { get; } = [];

    /// <summary>The hosts the group lists directly, not those of its children.</summary>
    public List<InventoryHost> Hosts { get; } = [];

    public Dictionary<string, InventoryValue> Vars { get; } = new(StringComparer.Ordinal);

    /// <summary>Longest distance from <c>all</c>: deeper groups' variables win, as in Ansible.</summary>
    public int Depth { get; set; }

    /// <summary><c>ansible_group_priority</c>: among groups of equal depth, higher wins.</summary>
    public int Priority { get; set; } = 1;

    /// <summary>The group and every group below it.</summary>
    public IEnumerable<InventoryGroup> SelfAndDescendants()
    {
        var seen = new HashSet<InventoryGroup>();
        var pending = new Stack<InventoryGroup>([this]);
        while (pending.TryPop(out var group))
        {
            if (seen.Add(group))
            {
                yield return group;
                foreach (var child in group.Children)
                {
                    pending.Push(child);
                }
            }
        }
    }

    /// <summary>The hosts of the group and of every group below it, in file order.</summary>
    public IEnumerable<InventoryHost> AllHosts() =>
        SelfAndDescendants().SelectMany(group => group.Hosts).Distinct().OrderBy(host => host.Order);
}
