using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper;

/// <summary>How a <see cref="JobKeeper"/> reaches hosts and where it keeps its journal.</summary>
public sealed record JobKeeperOptions
{
    /// <summary>Connects to hosts and records them in the journal (for SSH: <c>SessionKeeper.Ssh.SshTransport</c>).</summary>
    public required ITransport Transport { get; init; }

    /// <summary>The journal and the output mirrors; null for <see cref="JobKeeper.DefaultStateDirectory"/>.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>
    /// The journal: a postgresql:// URL for one shared by several workstations, or "sqlite" for the
    /// state directory's own file; null for $SESSIONKEEPER_JOURNAL, else the state directory's file.
    /// </summary>
    public string? Journal { get; init; }

    /// <summary>A status, kill or signal round trip never waits on a dead link longer than this (a kill adds its grace).</summary>
    public TimeSpan ControlTimeout { get; init; } = JobKeeper.DefaultControlTimeout;

    /// <summary>Told what the keeper does with each job (launched, retrying, restarting, disconnected...), for a person or a log.</summary>
    public ISupervisionObserver? Observer { get; init; }

    /// <summary>The clock of every deadline, backoff and journal stamp; null for the system's.</summary>
    public TimeProvider? TimeProvider { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Transport);
        if (ControlTimeout <= TimeSpan.Zero)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"the control timeout must be positive, not {ControlTimeout}.");
        }
    }
}
