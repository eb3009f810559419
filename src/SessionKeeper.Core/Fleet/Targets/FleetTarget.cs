namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>One host a fleet run connects to.</summary>
/// <param name="Name">The name the user wrote: the host itself on the command line or in a host file, the inventory name in an Ansible inventory.</param>
/// <param name="HostName">The address to connect to when it differs from <paramref name="Name"/> (Ansible's <c>ansible_host</c>); null to connect to <paramref name="Name"/>.</param>
/// <param name="Port">The SSH port, or null for the default (ssh config, then 22).</param>
/// <param name="User">The login name, or null for the default.</param>
/// <param name="Source">Where the target was defined: <c>file:line</c>, or <c>command line</c>.</param>
internal sealed record FleetTarget(string Name, string? HostName, int? Port, string? User, string Source)
{
    /// <summary>The host to open the connection to.</summary>
    public string Address => HostName ?? Name;

    /// <summary>
    /// The entry as the user wrote it, when it says more than <see cref="Name"/>: <c>deploy@web01:2222</c>
    /// for a member of <c>deploy@web[01-04]:2222</c> (null in an inventory, whose name is the host's name).
    /// </summary>
    public string? Written { get; init; }

    /// <summary>How the fleet names the host in tags, summaries, events and listings: as written.</summary>
    public string DisplayName => Written ?? Name;
}
