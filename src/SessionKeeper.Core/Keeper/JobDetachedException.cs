using SessionKeeper.Core.Jobs;

namespace SessionKeeper;

/// <summary>
/// The caller stopped following a job (its detach token was cancelled); the job runs on, on its
/// host, and can be followed again by its id.
/// </summary>
public sealed class JobDetachedException : OperationCanceledException
{
    /// <summary>A detach from the job <paramref name="jobId"/> on <paramref name="host"/>.</summary>
    public JobDetachedException(JobId jobId, string host, CancellationToken token)
        : base($"stopped following job {jobId}; it keeps running on {host}.", null, token)
    {
        JobId = jobId;
        Host = host;
    }

    /// <summary>The job that keeps running.</summary>
    public JobId JobId { get; }

    /// <summary>Where it runs (the host's label).</summary>
    public string Host { get; }
}
