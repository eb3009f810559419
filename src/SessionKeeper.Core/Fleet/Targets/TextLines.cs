namespace SessionKeeper.Core.Fleet.Targets;

internal static class TextLines
{
    /// <summary>Splits on LF, CRLF or CR, dropping a leading byte-order mark; line N is at index N-1.</summary>
    public static IReadOnlyList<string> Split(string text) =>
        text.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
}
