namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>A variable's value as written (null for YAML's null) and the line that set it.</summary>
internal sealed record InventoryValue(string? Text, int Line);
