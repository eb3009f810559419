namespace SessionKeeper.Ssh.Agent;

/// <summary>The message numbers of draft-miller-ssh-agent that this client sends or expects.</summary>
internal static class AgentMessageType
{
    public const byte Failure = 5;
    public const byte RequestIdentities = 11;
    public const byte IdentitiesAnswer = 12;
    public const byte SignRequest = 13;
    public const byte SignResponse = 14;

    /// <summary>SSH_AGENT_EXTENSION_FAILURE; OpenSSH agents send it for unknown extensions.</summary>
    public const byte ExtensionFailure = 28;

    public static bool IsFailure(byte type) => type is Failure or ExtensionFailure;
}
