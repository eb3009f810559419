namespace SessionKeeper.Ssh.Config;

/// <summary>
/// An ssh_config file (or a <c>-o</c> option) that OpenSSH itself would refuse, or a construct
/// SessionKeeper cannot evaluate (such as <c>Match exec</c>). The message names the place and says
/// what to do about it.
/// </summary>
internal sealed class SshConfigException : Exception
{
    /// <summary>Creates the exception for <paramref name="file"/> line <paramref name="line"/>.</summary>
    public SshConfigException(string file, int line, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        File = file;
        Line = line;
    }

    /// <summary>The configuration file, or <c>command-line</c> for a <c>-o</c> option.</summary>
    public string File { get; }

    /// <summary>The 1-based line number, or 0 when the problem is not tied to one line.</summary>
    public int Line { get; }

    internal static SshConfigException At(SourceLocation where, string problem, string advice) =>
        new(where.File, where.Line, $"{where}: {problem}. {advice}");
}
