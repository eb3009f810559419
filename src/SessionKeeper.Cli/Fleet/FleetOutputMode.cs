namespace SessionKeeper.Cli.Fleet;

internal enum FleetOutputMode
{
    /// <summary>Lines as they come, prefixed with the host (the default for several hosts).</summary>
    Tag,

    /// <summary>Gathered at the end, identical outputs folded together (like dshbak -c).</summary>
    Group,

    /// <summary>JSON Lines events on stdout, for scripts and CI.</summary>
    Json,
}
