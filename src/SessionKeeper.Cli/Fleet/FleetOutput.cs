namespace SessionKeeper.Cli.Fleet;

/// <summary>How a fleet run shows the jobs' output: the mode, and whether lines go out raw (--raw) instead of with their controls made visible.</summary>
internal readonly record struct FleetOutput(FleetOutputMode Mode, bool Raw);
