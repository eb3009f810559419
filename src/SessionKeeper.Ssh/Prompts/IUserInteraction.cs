namespace SessionKeeper.Ssh.Prompts;

/// <summary>
/// The person at the keyboard, if any: asked for passphrases, passwords and host-key
/// confirmations, and told about keys that were skipped. Answers are secrets: never log them.
/// </summary>
internal interface IUserInteraction
{
    /// <summary>Whether a prompt can reach anyone (a terminal, or SSH_ASKPASS as ssh would use it).</summary>
    bool CanPrompt { get; }

    /// <summary>Asks without echo; null when nobody can be asked or the answer was cancelled.</summary>
    string? ReadSecret(string prompt);

    /// <summary>Asks with echo (yes/no questions); null when nobody can be asked.</summary>
    string? ReadLine(string prompt);

    /// <summary>A one-line note for the user (on stderr): what was skipped and what to do about it.</summary>
    void Note(string message);
}

/// <summary>Nobody to ask: every prompt is declined, notes are dropped.</summary>
internal sealed class NoUserInteraction : IUserInteraction
{
    public static readonly NoUserInteraction Instance = new();

    public bool CanPrompt => false;

    public string? ReadSecret(string prompt) => null;

    public string? ReadLine(string prompt) => null;

    public void Note(string message)
    {
    }
}
