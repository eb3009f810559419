using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Fleet;

/// <summary>Turns fleet targets into journaled intents: every host is known before the first launch.</summary>
internal static class FleetPlan
{
    /// <summary>Whether a host argument names several hosts (a list, a range, or a file).</summary>
    public static bool IsFleetSpec(string spec) => spec.Contains(',', StringComparison.Ordinal) || spec.Contains('[', StringComparison.Ordinal) || spec.StartsWith('@');

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
