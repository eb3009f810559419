namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// Turns an inventory host into a <see cref="FleetTarget"/> by Ansible's variable precedence:
/// group variables by depth (children over parents), then <c>ansible_group_priority</c>, then
/// group name; the host's own variables over all of them.
/// </summary>
internal static class InventoryTargets
{
    // Ansible's ssh connection plugin reads these in order and the last one set wins.
    private static readonly string[] HostVars = ["ansible_host", "ansible_ssh_host"];
    private static readonly string[] PortVars = ["ansible_port", "ansible_ssh_port"];
    private static readonly string[] UserVars = ["ansible_user", "ansible_ssh_user"];

    public static FleetTarget ToTarget(this Inventory inventory, InventoryHost host)
    {
        var vars = EffectiveVars(host);
        var hostName = Pick(inventory, host, vars, HostVars);
        var portText = Pick(inventory, host, vars, PortVars);
        var user = Pick(inventory, host, vars, UserVars);

        int? port = null;
        if (portText is not null)
        {
            if (!HostAddress.TryParsePort(portText.Value.Text.Trim(), out port, out _))
            {
                throw new TargetSyntaxException(
                    inventory.At(portText.Value.Line),
                    $"{portText.Value.Name} of host '{host.Name}' is '{portText.Value.Text}', not a port number from 1 to 65535");
            }
        }

        return new FleetTarget(host.Name, hostName?.Text, port, user?.Text, inventory.At(host.Line));
    }

    public static Dictionary<string, InventoryValue> EffectiveVars(InventoryHost host)
    {
        var groups = new HashSet<InventoryGroup>();
        var pending = new Stack<InventoryGroup>(host.Groups);
        while (pending.TryPop(out var group))
        {
            if (groups.Add(group))
            {
                group.Parents.ForEach(pending.Push);
            }
        }

        var vars = new Dictionary<string, InventoryValue>(StringComparer.Ordinal);
        var ordered = groups
            .OrderBy(g => g.Depth)
            .ThenBy(g => g.Priority)
            .ThenBy(g => g.Name, StringComparer.Ordinal);
        foreach (var group in ordered)
        {
            Merge(vars, group.Vars);
        }

        Merge(vars, host.Vars);
        return vars;
    }

    private static void Merge(Dictionary<string, InventoryValue> into, Dictionary<string, InventoryValue> from)
    {
        foreach (var (name, value) in from)
        {
            into[name] = value;
        }
    }

    private static (string Name, string Text, int Line)? Pick(
        Inventory inventory, InventoryHost host, Dictionary<string, InventoryValue> vars, string[] names)
    {
        (string, string, int)? picked = null;
        foreach (var name in names)
        {
            if (vars.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value.Text))
            {
                if (value.Text.Contains("{{", StringComparison.Ordinal) || value.Text.Contains("{%", StringComparison.Ordinal))
                {
                    throw new TargetSyntaxException(
                        inventory.At(value.Line),
                        $"{name} of host '{host.Name}' is the template '{value.Text}'; templates are not evaluated here, so write the value itself");
                }

                picked = (name, value.Text.Trim(), value.Line);
            }
        }

        return picked;
    }
}
