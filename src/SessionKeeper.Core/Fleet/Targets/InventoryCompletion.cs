using System.Globalization;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>What Ansible does once a file is read (<c>reconcile_inventory</c>).</summary>
internal static class InventoryCompletion
{
    public static Inventory Complete(this Inventory inventory)
    {
        foreach (var group in inventory.Groups)
        {
            if (group != inventory.All && group.Parents.Count == 0)
            {
                inventory.AddChild(inventory.All, group, 0);
            }
        }

        foreach (var host in inventory.Hosts)
        {
            var others = host.Groups.Count(g => g != inventory.All && g != inventory.Ungrouped);
            if (others == 0 && !host.Groups.Contains(inventory.Ungrouped))
            {
                inventory.Ungrouped.Hosts.Add(host);
                host.Groups.Add(inventory.Ungrouped);
            }
            else if (others > 0 && host.Groups.Remove(inventory.Ungrouped))
            {
                inventory.Ungrouped.Hosts.Remove(host);
            }
        }

        var depths = new Dictionary<InventoryGroup, int>();
        foreach (var group in inventory.Groups)
        {
            group.Depth = DepthOf(group, depths);
            group.Priority = PriorityOf(inventory, group);
        }

        return inventory;
    }

    private static int DepthOf(InventoryGroup group, Dictionary<InventoryGroup, int> depths)
    {
        if (!depths.TryGetValue(group, out var depth))
        {
            depth = group.Parents.Count == 0 ? 0 : group.Parents.Max(parent => DepthOf(parent, depths) + 1);
            depths[group] = depth;
        }

        return depth;
    }

    private static int PriorityOf(Inventory inventory, InventoryGroup group)
    {
        if (!group.Vars.TryGetValue("ansible_group_priority", out var value) || value.Text is null)
        {
            return 1;
        }

        return int.TryParse(value.Text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var priority)
            ? priority
            : throw new TargetSyntaxException(
                inventory.At(value.Line),
                $"ansible_group_priority of group '{group.Name}' must be a whole number, not '{value.Text}'");
    }
}
