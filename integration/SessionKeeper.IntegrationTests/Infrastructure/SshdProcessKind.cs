namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>Role of a per-connection sshd process (OpenSSH 9.2 privilege separation).</summary>
public enum SshdProcessKind
{
    /// <summary>
    /// "sshd: user@notty" / "sshd: user@pts/N": owns the TCP connection and the session, and is the
    /// parent of the user's shell. For a root login it is the only per-connection process.
    /// SIGKILL it to cut the connection (the client sees it close at once, exit 255); SIGSTOP it
    /// to black-hole the connection (the kernel still ACKs, nothing answers).
    /// </summary>
    Session,

    /// <summary>
    /// "sshd: user [priv]": the privileged monitor of a non-root login. It only answers the
    /// session process's privileged requests, so SIGSTOP/SIGKILL of it has no visible effect on a
    /// running session: do not use it for fault injection.
    /// </summary>
    Monitor,

    /// <summary>Before authentication: "sshd: [accepted]", "sshd: user [net]", "... [preauth]".</summary>
    PreAuth,

    Other,
}
