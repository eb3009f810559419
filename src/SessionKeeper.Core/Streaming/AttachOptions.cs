namespace SessionKeeper.Core.Streaming;

/// <summary>How a stream is kept alive and how hard reconnection tries.</summary>
public sealed record AttachOptions
{
    /// <summary>How often the remote helper proves the link alive when the job is quiet.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Silence beyond this means the connection is dead.</summary>
    public TimeSpan DeadAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a new remote helper may take to say its first word: it starts through the login
    /// shell, whose rc files can be slow. A link that dies in that window is noticed after this.
    /// </summary>
    public TimeSpan HelperStartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The first reconnection delay's upper bound (full jitter).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The largest reconnection delay's upper bound.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Stop reconnecting after this long without progress (output, or a link proven alive), across every connection; null keeps trying.</summary>
    public TimeSpan? GiveUpAfter { get; init; }

    /// <summary>
    /// Bytes a remote helper may send beyond what this client has delivered (its credit window,
    /// renewed on the same stream; without credit, one helper's whole allowance): bounds client memory.
    /// </summary>
    public long ChunkBytes { get; init; } = 4L << 20;

    /// <summary>Lifetime of one remote helper; the client renews it by asking again.</summary>
    public TimeSpan HelperTimeToLive { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Identifies this client to the target: at most one helper per job and client.</summary>
    public string ClientId { get; init; } = "c" + Convert.ToHexStringLower(Jobs.SecureRandom.GetBytes(6));
}
