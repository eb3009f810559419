namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// A plain host list: one <c>[user@]host[:port]</c> per line, ranges allowed
/// (<c>web[01-20]</c>), <c>#</c> starts a comment, blank lines are skipped.
/// </summary>
internal static class HostFile
{
    /// <param name="text">The file's content.</param>
    /// <param name="path">The path to name in <see cref="FleetTarget.Source"/> and in errors.</param>
    /// <exception cref="TargetSyntaxException">A line is malformed; the message names <c>path:line</c>.</exception>
    public static IReadOnlyList<FleetTarget> Parse(string text, string path)
    {
        var targets = new List<FleetTarget>();
        var lines = TextLines.Split(text);
        for (var index = 0; index < lines.Count; index++)
        {
            var location = $"{path}:{index + 1}";
            var line = lines[index];
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            var entry = (hash >= 0 ? line[..hash] : line).Trim();
            if (entry.Length == 0)
            {
                continue;
            }

            if (entry.Any(char.IsWhiteSpace))
            {
                throw new TargetSyntaxException(location, $"expected one host per line, found '{entry}'");
            }

            if (!HostEntry.TryParse(entry, location, out var found, out var error))
            {
                throw new TargetSyntaxException(location, error);
            }

            targets.AddRange(found);
        }

        return targets;
    }
}
