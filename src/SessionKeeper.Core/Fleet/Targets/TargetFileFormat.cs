namespace SessionKeeper.Core.Fleet.Targets;

internal enum TargetFileFormat
{
    /// <summary>One <c>[user@]host[:port]</c> per line: <see cref="HostFile"/>.</summary>
    HostList,

    /// <summary>An Ansible INI inventory.</summary>
    Ini,

    /// <summary>An Ansible YAML inventory.</summary>
    Yaml,
}
