using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// Tells the person, on stderr, what the supervisor does, as much as <paramref name="verbosity"/>
/// allows: status lines (started, link lost, reconnected, a launch retried) from
/// <see cref="Verbosity.Status"/>, what changes the outcome (warnings, restarts) from
/// <see cref="Verbosity.Outcome"/>.
/// </summary>
internal sealed class ConsoleSupervisionObserver(Verbosity verbosity) : ISupervisionObserver
{
    public IAttachObserver ForStream(JournalJob job) =>
        verbosity >= Verbosity.Status ? new ConsoleAttachObserver(job.Endpoint.Label, job.Id.Value) : NullAttachObserver.Instance;

    public void Launched(JournalJob job, JobStatus status)
    {
        if (verbosity >= Verbosity.Status)
        {
            Console.Error.WriteLine($"sessionkeeper: job {job.Id} started on {job.Endpoint.Label} (pid {status.Pid?.ToString() ?? "?"}).");
        }
    }

    public void Restarting(JournalJob finished, JobStatus status, int nextAttempt, TimeSpan delay)
    {
        if (verbosity >= Verbosity.Outcome)
        {
            Console.Error.WriteLine($"sessionkeeper: job {finished.Id} {status.Describe()}; restarting (attempt {nextAttempt} of {finished.Restart.MaxRestarts + 1}) in {delay.TotalSeconds:0.#} s.");
        }
    }

    public void Warning(JournalJob job, string warning)
    {
        if (verbosity >= Verbosity.Outcome)
        {
            Console.Error.WriteLine($"sessionkeeper: warning: {warning}");
        }
    }

    public void LaunchRetry(JournalJob job, string reason)
    {
        if (verbosity >= Verbosity.Status)
        {
            Console.Error.WriteLine($"sessionkeeper: launch of {job.Id} on {job.Endpoint.Label} interrupted ({reason.TrimEnd('.')}); retrying with the same id.");
        }
    }
}
