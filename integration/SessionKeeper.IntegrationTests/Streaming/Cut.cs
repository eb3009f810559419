namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>The kinds of link cut the chaos tests schedule.</summary>
internal enum Cut
{
    /// <summary>The fault proxy resets every connection (RST).</summary>
    ProxyReset,

    /// <summary>The fault proxy stops forwarding in both directions, connections left open.</summary>
    ProxyBlackHole,

    /// <summary>SIGKILL of a per-connection sshd.</summary>
    SshdKill,

    /// <summary>SIGSTOP of a per-connection sshd (then SIGCONT or SIGKILL).</summary>
    SshdStop,
}
