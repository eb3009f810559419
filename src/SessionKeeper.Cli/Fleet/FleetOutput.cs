namespace SessionKeeper.Cli.Fleet;

/// <summary>
/// How a fleet run shows the jobs' output: the mode, whether lines go out raw (--raw) instead of
/// with their controls made visible, and whether the summary has a row per host (--summary full)
/// instead of hosts folded into ranges.
/// </summary>
internal readonly record struct FleetOutput(FleetOutputMode Mode, bool Raw, bool FullSummary = false);
