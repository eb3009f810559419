namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>Reads what the CLI said on stderr while it streamed.</summary>
public static class CliText
{
    /// <summary>The "connection to HOST lost at byte N" lines (retry lines also say "lost at byte").</summary>
    public static int LostLines(string stderr) =>
        stderr.Split('\n').Count(l => l.StartsWith("sessionkeeper: connection to ", StringComparison.Ordinal) && l.Contains(" lost at byte ", StringComparison.Ordinal));

    public static int Reconnects(string stderr) => Occurrences(stderr, "sessionkeeper: reconnected to ");

    /// <summary>No connection lost yet, or the last word about it is a reconnection (retries also say "lost").</summary>
    public static bool StreamIsBack(string stderr)
    {
        var lines = stderr.Split('\n');
        var lastLost = Array.FindLastIndex(lines, l => l.StartsWith("sessionkeeper: connection to ", StringComparison.Ordinal) && l.Contains(" lost at byte ", StringComparison.Ordinal));
        var lastBack = Array.FindLastIndex(lines, l => l.StartsWith("sessionkeeper: reconnected to ", StringComparison.Ordinal));
        return lastLost < 0 || lastBack > lastLost;
    }

    public static int Occurrences(string text, string needle)
    {
        var count = 0;
        for (var at = text.IndexOf(needle, StringComparison.Ordinal); at >= 0; at = text.IndexOf(needle, at + needle.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>"n=.., min .. ms, median .. ms, max .. ms".</summary>
    public static string Summary(IReadOnlyCollection<double> ms)
    {
        if (ms.Count == 0)
        {
            return "none";
        }

        var sorted = ms.Order().ToList();
        return $"n={sorted.Count}, min {sorted[0]:0} ms, median {sorted[sorted.Count / 2]:0} ms, max {sorted[^1]:0} ms";
    }
}
