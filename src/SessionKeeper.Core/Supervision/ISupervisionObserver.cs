using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Core.Supervision;

/// <summary>What a supervisor tells the person (or the log) about a job's life.</summary>
public interface ISupervisionObserver
{
    /// <summary>The observer of <paramref name="job"/>'s stream.</summary>
    IAttachObserver ForStream(JournalJob job);

    /// <summary>The target started <paramref name="job"/> (or confirmed it had).</summary>
    void Launched(JournalJob job, JobStatus status);

    /// <summary><paramref name="finished"/> ended and starts again as attempt <paramref name="nextAttempt"/> after <paramref name="delay"/>.</summary>
    void Restarting(JournalJob finished, JobStatus status, int nextAttempt, TimeSpan delay);

    /// <summary>The launch of <paramref name="job"/> was interrupted after its request went out; it is retried with the same id.</summary>
    void LaunchRetry(JournalJob job, string reason);

    /// <summary>Something the user should read about <paramref name="job"/>.</summary>
    void Warning(JournalJob job, string warning);
}

internal sealed class NullSupervisionObserver : ISupervisionObserver
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
