using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Core.Supervision;

/// <summary>What a supervisor tells the person (or the log) about a job's life.</summary>
public interface ISupervisionObserver
{
    IAttachObserver ForStream(JournalJob job);

    void Launched(JournalJob job, JobStatus status);

    void Restarting(JournalJob finished, JobStatus status, int nextAttempt, TimeSpan delay);

    void LaunchRetry(JournalJob job, string reason);

    void Warning(JournalJob job, string warning);
}

public sealed class NullSupervisionObserver : ISupervisionObserver
{
    public static readonly NullSupervisionObserver Instance = new();

    public IAttachObserver ForStream(JournalJob job) => NullAttachObserver.Instance;

    public void Launched(JournalJob job, JobStatus status)
    {
    }

    public void Restarting(JournalJob finished, JobStatus status, int nextAttempt, TimeSpan delay)
    {
    }

    public void LaunchRetry(JournalJob job, string reason)
    {
    }

    public void Warning(JournalJob job, string warning)
    {
    }
}
