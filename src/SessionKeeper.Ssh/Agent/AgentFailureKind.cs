namespace SessionKeeper.Ssh.Agent;

/// <summary>What still works after an <see cref="SshAgentException"/>.</summary>
internal enum AgentFailureKind
{
    /// <summary>
    /// The agent answered SSH_AGENT_FAILURE: the key is gone, the user declined a confirmation, or
    /// the request is not supported. The connection to the agent is still usable.
    /// </summary>
    Refused,

    /// <summary>
    /// The agent answered, but not as the protocol says (a malformed answer, or a signature made
    /// with another algorithm than the one asked for). The connection to the agent is still usable.
    /// </summary>
    ProtocolViolation,

    /// <summary>
    /// The socket failed, timed out or lost message framing. This <see cref="SshAgentClient"/> is
    /// unusable from now on: connect a new one.
    /// </summary>
    ConnectionLost,
}
