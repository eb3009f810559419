namespace SessionKeeper.Core.Remote;

/// <summary>One "@@SK2 tag key=value ..." line of a runner reply.</summary>
internal sealed record ReplyLine(string Tag, IReadOnlyDictionary<string, string> Fields)
{
    public string? this[string key] => Fields.TryGetValue(key, out var v) ? v : null;

    public long? Number(string key) => long.TryParse(this[key], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;

    public int? SmallNumber(string key) => int.TryParse(this[key], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
}
