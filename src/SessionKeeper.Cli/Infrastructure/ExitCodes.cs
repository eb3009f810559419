using SessionKeeper.Core.Failures;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// Process exit codes of the CLI. Verbs that wait for a job exit with the job's own code (0-255,
/// 128+N for death by signal N, as shells do); SessionKeeper's own failures use the top of the
/// range, as ssh uses 255.
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Unreachable = 255;
    public const int HostKeyRefused = 254;
    public const int AuthenticationFailed = 253;
    public const int JobNotFound = 252;
    public const int InvalidInput = 251;
    public const int RemoteError = 250;
    public const int ConnectionLost = 249;
    public const int StateCorrupt = 248;
    public const int JobLost = 247;
    public const int SignalRefused = 246;
    public const int StillRunning = 245;
    public const int NeedsConfirmation = 244;

    /// <summary>adopt: the process belongs to another user; nothing adopted.</summary>
    public const int AdoptOtherUser = 243;

    /// <summary>adopt: process 1, SessionKeeper's own, a job it started, or adopted already; nothing adopted.</summary>
    public const int AdoptNotAdoptable = 242;

    /// <summary>adopt: no such process; nothing adopted.</summary>
    public const int AdoptNoProcess = 241;

    /// <summary>adopt: the process ended while it was adopted; nothing adopted.</summary>
    public const int AdoptExited = 240;

    /// <summary>adopt: tracked, but not protected (no ptrace tool, or ptrace refused): state adopted-unprotected.</summary>
    public const int AdoptUnprotected = 239;

    /// <summary>adopt: the process protected, some of its process group not.</summary>
    public const int AdoptPartial = 238;

    /// <summary>The shared journal (a postgresql:// URL) cannot be reached or refused us.</summary>
    public const int JournalUnavailable = 237;

    public static int For(FailureKind kind) => kind switch
    {
        FailureKind.InvalidInput => InvalidInput,
        FailureKind.Unreachable => Unreachable,
        FailureKind.HostKeyRefused => HostKeyRefused,
        FailureKind.AuthenticationFailed => AuthenticationFailed,
        FailureKind.ConnectionLost => ConnectionLost,
        FailureKind.JobNotFound => JobNotFound,
        FailureKind.StateCorrupt => StateCorrupt,
        FailureKind.SignalRefused => SignalRefused,
        FailureKind.StillRunning => StillRunning,
        FailureKind.NeedsConfirmation => NeedsConfirmation,
        FailureKind.JournalUnavailable => JournalUnavailable,
        _ => RemoteError,
    };
}
