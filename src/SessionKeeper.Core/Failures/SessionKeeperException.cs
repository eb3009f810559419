namespace SessionKeeper.Core.Failures;

/// <summary>A failure with a message meant for the user: what went wrong and what to do next.</summary>
public class SessionKeeperException : Exception
{
    public SessionKeeperException(FailureKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public FailureKind Kind { get; }

    public bool IsRetryable => Kind is FailureKind.Unreachable or FailureKind.ConnectionLost;
}
