using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>Tells the person at the terminal, on stderr, what the supervisor does.</summary>
internal sealed class ConsoleSupervisionObserver(bool quiet = false) : ISupervisionObserver
{
    public IAttachObserver ForStream(JournalJob job) => quiet ? NullAttachObserver.Instance : new ConsoleAttachObserver(job.Endpoint.Label, job.Id);

    public void Launched(JournalJob job, JobStatus status)
    {
        if (!quiet)
        {
            Console.Error.WriteLine($"sessionkeeper: job {job.Id} started on {job.Endpoint.Label} (pid {status.Pid?.ToString() ?? "?"}).");
        }
    }

    public void Restarting(JournalJob finished, JobStatus status, int nextAttempt, TimeSpan delay) =>
        Console.Error.WriteLine($"sessionkeeper: job {finished.Id} {status.Describe()}; restarting (attempt {nextAttempt} of {finished.Restart.MaxRestarts + 1}) in {delay.TotalSeconds:0.#} s.");

    public void Warning(JournalJob job, string warning) =>
        Console.Error.WriteLine($"sessionkeeper: warning: {warning}");

    public void LaunchRetry(JournalJob job, string reason) =>
        Console.Error.WriteLine($"sessionkeeper: launch of {job.Id} on {job.Endpoint.Label} interrupted ({reason.TrimEnd('.')}); retrying with the same id.");
}
