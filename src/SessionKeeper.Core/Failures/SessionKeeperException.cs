namespace SessionKeeper.Core.Failures;

/// <summary>
/// A failure with a message meant for the user: what went wrong and what to do next. The message
/// names no command or option of a program built on this library; the fields say what a caller
/// needs to add its own words (a CLI's hint, the option that holds a bad value).
/// </summary>
public class SessionKeeperException : Exception
{
    /// <summary>A failure of <paramref name="kind"/> with a message for the user.</summary>
    public SessionKeeperException(FailureKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    /// <summary>What kind of failure this is; a CLI maps it to its exit code.</summary>
    public FailureKind Kind { get; }

    /// <summary>True for failures of the link (unreachable, connection lost), which a later attempt may not meet.</summary>
    public bool IsRetryable => Kind is FailureKind.Unreachable or FailureKind.ConnectionLost;

    /// <summary>The host the failure happened on, as labelled to the user, when there is one.</summary>
    public string? Host { get; init; }

    /// <summary>The job the failure concerns, when there is one.</summary>
    public Jobs.JobId? JobId { get; init; }

    /// <summary>The runner's own error code ("no-such-job", "job-running"...) when the target refused.</summary>
    public string? RemoteCode { get; init; }

    /// <summary>When following stopped because reconnecting took longer than allowed (<c>AttachOptions.GiveUpAfter</c>): that time.</summary>
    public TimeSpan? GaveUpAfter { get; init; }
}
