using System.Globalization;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>Parses durations as users type them: "10", "10s", "500ms", "2m", "1h", "1.5s".</summary>
internal static class Durations
{
    public static TimeSpan Parse(string text, string optionName)
    {
        var s = text.Trim();
        var (number, unit) = s.EndsWith("ms", StringComparison.Ordinal) ? (s[..^2], 0.001)
            : s.EndsWith('s') ? (s[..^1], 1.0)
            : s.EndsWith('m') ? (s[..^1], 60.0)
            : s.EndsWith('h') ? (s[..^1], 3600.0)
            : (s, 1.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value < 0 || value * unit > 365 * 86400)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"invalid duration '{text}' for {optionName}: use e.g. 10s, 500ms, 2m.");
        }

        return TimeSpan.FromSeconds(value * unit);
    }
}
