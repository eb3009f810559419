namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>A host of an Ansible inventory: its name, where it first appeared, its own variables.</summary>
internal sealed class InventoryHost(string name, int order, int line)
{
    public string Name { get; } = name;

    /// <summary>Position of the first definition in the file: hosts are listed in this order.</summary>
    public int Order { get; } = order;

    /// <summary>The line of the first definition.</summary>
    public int Line { get; } = line;

    /// <summary>The groups that list the host directly.</summary>
    public List<InventoryGroup> Groups { get; } = [];

    public Dictionary<string, InventoryValue> Vars { get; } = new(StringComparer.Ordinal);
}
