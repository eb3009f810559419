using SessionKeeper.Cli.Commands;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Fleet.Targets;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Cli.Daemon.Web;

/// <summary>
/// What the pages show, read from the local journal only (no network), through the same calls and
/// the same state words as `jobs`, `batch list` and `batch status`.
/// </summary>
internal sealed class WebData(JobJournal journal, TimeProvider clock)
{
    /// <summary>The front page lists this many jobs, the latest first.</summary>
    public const int JobsListed = 200;

    public WebOverview Overview()
    {
        var all = journal.List();
        var batches = all.Where(j => j.BatchId is not null)
            .GroupBy(j => j.BatchId!)
            .Select(b => (Batch: b, Latest: BatchCommand.Latest(b)))
            .OrderByDescending(b => b.Batch.Min(j => j.CreatedAt))
            .Select(b => new WebBatch(b.Batch.Key, b.Latest.Count, b.Batch.Min(j => j.CreatedAt), Counts(b.Latest)))
            .ToList();
        var jobs = all.Reverse().Take(JobsListed).Select(j => Job(j, j.StateText)).ToList();
        return new WebOverview(batches, jobs, all.Count);
    }

    /// <summary>A batch's hosts in natural order (h2 before h10), as `batch status` lists them; null when there is no such batch.</summary>
    public WebBatchDetail? Batch(string batchId)
    {
        var rows = journal.Batch(batchId);
        if (rows.Count == 0)
        {
            return null;
        }

        var latest = BatchCommand.Latest(rows);
        var hosts = latest.OrderBy(j => j.DisplayName, NaturalOrder.Instance).ThenBy(j => j.Id.Value, StringComparer.Ordinal)
            .Select(j => Job(j, BatchCommand.State(j)))
            .ToList();
        return new WebBatchDetail(batchId, rows.Min(j => j.CreatedAt), Counts(latest), hosts);
    }

    /// <summary>One job (any attempt), as `jobs` shows it; null when the journal does not know it.</summary>
    public (WebJob View, JournalJob Row)? Job(string id)
    {
        if (!JobId.TryParse(id, out var jobId) || journal.Get(jobId) is not { } row)
        {
            return null;
        }

        return (Job(row, row.StateText), row);
    }

    private static List<WebCount> Counts(IEnumerable<JournalJob> latest) =>
        [.. latest.GroupBy(BatchCommand.State).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new WebCount(g.Key, g.Count()))];

    private WebJob Job(JournalJob job, string state) => new(
        job.Id.Value,
        TerminalText.Visible(job.DisplayName),
        TerminalText.Visible(job.Endpoint.Label),
        state,
        job.LastStatus?.ShellExitCode,
        job.LastStatus?.Signal,
        Duration(job)?.TotalSeconds,
        !job.IsUnfinished,
        job.BatchId,
        job.Attempt,
        job.CreatedAt,
        JobOutput.OneLine(job.Spec.Command, job.Spec.RawCommand),
        job.LastStatus is { } status && !job.IsUnfinished ? TerminalText.Visible(status.Describe()) : job.NotLaunchedReason is { } reason ? TerminalText.Visible(reason) : null);

    /// <summary>
    /// From the job's journaling to its recorded end; still counting while it runs. Null for a job
    /// that never ran (planned, not launched, skipped).
    /// </summary>
    private TimeSpan? Duration(JournalJob job)
    {
        if (job.IsNotStarted)
        {
            return null;
        }

        var end = job.LastStatus?.Ended ?? (job.IsUnfinished ? clock.GetUtcNow() : job.LastSeenAt);
        return end is { } e && e >= job.CreatedAt ? e - job.CreatedAt : null;
    }
}
