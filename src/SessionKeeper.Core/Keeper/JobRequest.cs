using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper;

/// <summary>A job to start: what runs (as <c>ssh HOST CMD</c> would run it), its id, and whether it is started again when it ends.</summary>
public sealed record JobRequest(JobSpec Spec)
{
    /// <summary>A request for <paramref name="command"/>, run by the login shell in the home directory.</summary>
    public JobRequest(string command)
        : this(new JobSpec(command))
    {
    }

    /// <summary>The job's id (lower-case letters, digits, inner dashes); null for a new random one.</summary>
    public JobId? Id { get; init; }

    /// <summary>
    /// The job's stdin (as ssh gives it ours): read to its end on a thread of its own and carried into
    /// a spool on the target as it comes, through dropped connections, each byte exactly once; its end
    /// is the job's end-of-file. Null: the job reads /dev/null. Not journaled: only the call that
    /// launches the job can give it (a restart or a later launch by resume reads /dev/null).
    /// </summary>
    public Stream? Input { get; init; }

    /// <summary>Told how many bytes of <see cref="Input"/> the target holds, each time it confirms more.</summary>
    public IProgress<long>? InputProgress { get; init; }

    /// <summary>Whether and how often the job is started again when it ends.</summary>
    public RestartPolicy Restart { get; init; } = RestartPolicy.None;

    /// <summary>Checks everything that can be checked before anything is journaled or sent.</summary>
    /// <exception cref="SessionKeeperException">With <see cref="FailureKind.InvalidInput"/>, naming what is wrong.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Spec);
        if (Id is { IsDefault: true })
        {
            throw Invalid("the job id is default(JobId), which names no job: leave it null for a new random one.");
        }

        var command = Spec.CommandBytes;
        if (command.Length == 0)
        {
            throw Invalid("the command is empty.");
        }

        if (command.AsSpan().Contains((byte)0))
        {
            throw Invalid("the command contains a NUL byte.");
        }

        foreach (var (name, _) in Spec.Environment ?? [])
        {
            if (!JobClient.IsEnvironmentName(name))
            {
                throw Invalid($"'{name}' is not an environment variable name.");
            }
        }

        if (Spec.Timeout is { } timeout && timeout < TimeSpan.Zero)
        {
            throw Invalid($"the time limit must not be negative, not {timeout}.");
        }

        if (Spec.Grace is { } grace && grace < TimeSpan.Zero)
        {
            throw Invalid($"the grace period must not be negative, not {grace}.");
        }

        if (Restart.MaxRestarts < 0 || Restart.Delay < TimeSpan.Zero)
        {
            throw Invalid("the restart policy needs a count and a delay of 0 or more.");
        }
    }

    private static SessionKeeperException Invalid(string message) => new(FailureKind.InvalidInput, message);
}
