namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// Reads an Ansible static inventory, INI or YAML, and lists the hosts of a group with the
/// connection settings Ansible would use (<c>ansible_host</c>, <c>ansible_port</c>,
/// <c>ansible_user</c> and their <c>ansible_ssh_*</c> aliases).
/// </summary>
internal static class AnsibleInventory
{
    /// <param name="text">The file's content.</param>
    /// <param name="path">The path to name in sources and errors; its extension picks the format (.yml, .yaml, .json: YAML; .ini: INI), else the content does.</param>
    /// <param name="group">A group name or Ansible host pattern (<c>web:!web3</c>); null for <c>all</c>.</param>
    /// <returns>The selected hosts in the order they first appear in the file.</returns>
    /// <exception cref="TargetSyntaxException">The inventory is malformed (the message names <c>path:line</c>) or the pattern matches nothing.</exception>
    public static IReadOnlyList<FleetTarget> Parse(string text, string path, string? group) =>
        Select(Load(text, path), group, path);

    internal static Inventory Load(string text, string path) =>
        TargetFileFormats.Detect(path, text, wantsGroups: true) == TargetFileFormat.Yaml
            ? YamlInventoryParser.Parse(text, path)
            : IniInventoryParser.Parse(text, path);

    internal static IReadOnlyList<FleetTarget> Select(Inventory inventory, string? pattern, string location) =>
        InventoryPattern.Select(inventory, pattern ?? "all", location).Select(inventory.ToTarget).ToList();
}
