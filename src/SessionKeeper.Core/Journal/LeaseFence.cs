using System.Collections.Concurrent;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Journal;

/// <summary>A job's lease as its holder knows it: the fencing token it claimed with, and the root of its chain of attempts.</summary>
internal readonly record struct JobLease(JobId Id, long Token, JobId Root);

/// <summary>
/// The leases one daemon holds, by job. Set on a <see cref="JobJournal"/> (<see cref="JobJournal.Fence"/>),
/// it makes every state write for a job conditional on the token held for it: a job not held here
/// is not written at all, and a write the journal refuses (another daemon claimed the job since,
/// with a higher token) drops the job from here, tells <see cref="Lost"/> once and throws
/// <see cref="LeaseLostException"/>.
/// </summary>
internal sealed class LeaseFence(string owner)
{
    private readonly ConcurrentDictionary<JobId, JobLease> _held = new();

    /// <summary>The holding daemon's id, as lease_owner says it.</summary>
    public string Owner => owner;

    /// <summary>Told once per job whose lease was lost (refused by the journal, taken over, or let lapse), with why.</summary>
    public event Action<JobLease, string>? Lost;

    public int Count => _held.Count;

    public IReadOnlyCollection<JobLease> Held => [.. _held.Values];

    public bool TryGet(JobId id, out JobLease lease) => _held.TryGetValue(id, out lease);

    public void Hold(JobLease lease) => _held[lease.Id] = lease;

    /// <summary>The job ended or was handed back: not a loss.</summary>
    public void Release(JobId id) => _held.TryRemove(id, out _);

    /// <summary>Drops the job; tells <see cref="Lost"/> when it was still held (so once).</summary>
    public bool Lose(JobId id, string why)
    {
        if (!_held.TryRemove(id, out var lease))
        {
            return false;
        }

        Lost?.Invoke(lease, why);
        return true;
    }

    /// <summary>Drops every job (the leases could not be renewed in time).</summary>
    public void LoseAll(string why)
    {
        foreach (var id in _held.Keys)
        {
            Lose(id, why);
        }
    }
}

/// <summary>
/// A write for a job whose lease this daemon no longer holds: nothing was written, and the daemon
/// stops acting on the job. Not a <see cref="Failures.SessionKeeperException"/>: no retry loop may
/// take it for a failure to try again.
/// </summary>
internal sealed class LeaseLostException(JobId id, string message) : Exception(message)
{
    public JobId JobId => id;
}
