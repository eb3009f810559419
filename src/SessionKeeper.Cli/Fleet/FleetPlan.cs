using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Fleet;

/// <summary>Turns fleet targets into journaled intents: every host is known before the first launch.</summary>
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

    public static IReadOnlyList<JournalJob> Create(
        JobJournal journal,
        string stateRoot,
        string batchId,
        IReadOnlyList<SshTarget> targets,
        JobSpec spec,
        RestartPolicy restart,
        CancellationToken cancellationToken)
    {
        var width = targets.Count.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        var created = DateTimeOffset.UtcNow;
        var jobs = new List<JournalJob>(targets.Count);
        for (var i = 0; i < targets.Count; i++)
        {
            if (i % 256 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var target = targets[i];
            var id = $"{batchId}-{(i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width, '0')}";
            var endpoint = Endpoints.From(target);
            jobs.Add(new JournalJob
            {
                Id = id,
                Endpoint = endpoint,
                Cookie = JobId.NewCookie(),
                Spec = spec,
                Restart = restart,
                BatchId = batchId,
                CreatedAt = created,
                MirrorPath = StateLayout.Mirror(stateRoot, endpoint.Label, id),
            });
        }

        journal.AddIntents(jobs, cancellationToken);
        return jobs;
    }
}
