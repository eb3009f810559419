namespace SessionKeeper.Core.Failures;

/// <summary>What still works after a failure; retry decisions switch on this, never on message text.</summary>
public enum FailureKind
{
    /// <summary>Bad input from the user: nothing was attempted.</summary>
    InvalidInput,

    /// <summary>The host could not be reached (DNS, refused, timeout). Retryable.</summary>
    Unreachable,

    /// <summary>The host key is unknown, changed or revoked. Never retried.</summary>
    HostKeyRefused,

    /// <summary>Every credential was refused. Never retried.</summary>
    AuthenticationFailed,

    /// <summary>An established connection died (reset, EOF, silence). Retryable.</summary>
    ConnectionLost,

    /// <summary>The job id names no job on the host.</summary>
    JobNotFound,

    /// <summary>The target answered with something we do not understand, or refused the request.</summary>
    RemoteError,

    /// <summary>Local state is unreadable; it was left untouched.</summary>
    StateCorrupt,

    /// <summary>The job's recorded identity does not match the live process group: nothing was signalled.</summary>
    SignalRefused,

    /// <summary>The job was signalled and is still running.</summary>
    StillRunning,

    /// <summary>A large launch needs --yes (or a confirmation on a terminal): nothing was attempted.</summary>
    NeedsConfirmation,

    /// <summary>The shared journal (PostgreSQL) cannot be reached, or refused the login or the database: nothing was recorded.</summary>
    JournalUnavailable,
}
