namespace SessionKeeper.Ssh.Agent;

/// <summary>An ssh-agent request failed; <see cref="Kind"/> says whether the connection survived.</summary>
internal sealed class SshAgentException : Exception
{
    public SshAgentException(AgentFailureKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public AgentFailureKind Kind { get; }
}
