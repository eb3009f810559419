using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Fleet;

/// <summary>Whether a host argument names a fleet (the batch itself is journaled by <see cref="JobKeeper.PlanBatch"/>).</summary>
internal static class FleetPlan
{
    /// <summary>Whether a host argument names several hosts (a list, a range, or a file).</summary>
    public static bool IsFleetSpec(string spec) =>
        spec.Contains(',', StringComparison.Ordinal) || (spec.Contains('[', StringComparison.Ordinal) && !IsBracketedAddress(spec)) || spec.StartsWith('@');

    /// <summary>One host written <c>[user@][addr]</c> or <c>[user@][addr]:port</c>: brackets around an address, not a range.</summary>
    private static bool IsBracketedAddress(string spec)
    {
        var host = spec[(spec.LastIndexOf('@') + 1)..];
        var close = host.IndexOf(']', StringComparison.Ordinal);
        return host.StartsWith('[') && close > 0 && System.Net.IPAddress.TryParse(host[1..close], out _)
            && (close == host.Length - 1 || (host[close + 1] == ':' && host[(close + 2)..].Length > 0 && host[(close + 2)..].All(char.IsAsciiDigit)));
    }
}
