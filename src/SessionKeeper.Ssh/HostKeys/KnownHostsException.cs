namespace SessionKeeper.Ssh.HostKeys;

/// <summary>A known_hosts file could not be read or written.</summary>
internal sealed class KnownHostsException : IOException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    public KnownHostsException(string filePath, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The file that could not be read or written.</summary>
    public string FilePath { get; }
}
