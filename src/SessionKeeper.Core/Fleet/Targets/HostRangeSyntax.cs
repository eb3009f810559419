namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>Which bracket syntax a host pattern uses.</summary>
internal enum HostRangeSyntax
{
    /// <summary>
    /// Command line and host files: <c>[1-5]</c>, <c>[01-20]</c>, <c>[a-c]</c>, lists
    /// <c>[1,3,5-7]</c> and <c>[x,y]</c>, and Ansible's <c>[1:9:2]</c> for those used to it.
    /// </summary>
    CommandLine,

    /// <summary>Ansible inventories: only <c>[begin:end]</c> and <c>[begin:end:step]</c>.</summary>
    Ansible,
}
