namespace SessionKeeper.Core.Streaming;

/// <summary>
/// The lock an uploader of a job's stdin holds for as long as it uploads (<c>JOB.in.lock</c> beside
/// the job's mirror, 0600): whoever can take it knows that nobody on this workstation is sending
/// that job's stdin, so a spool left open can be closed. An exclusive open, which .NET makes an
/// advisory lock on Unix: the kernel drops it with the process, however it ends.
/// </summary>
internal static class StdinLock
{
    /// <summary>The lock file of the job whose mirror is <paramref name="mirrorPath"/> (its stem, or its layout-1 log).</summary>
    public static string PathOf(string mirrorPath) =>
        (mirrorPath.EndsWith(".log", StringComparison.Ordinal) ? mirrorPath[..^4] : mirrorPath) + ".in.lock";

    /// <summary>Takes the lock (an uploader starting: nobody else may hold it).</summary>
    public static IDisposable Take(string path) =>
        TryTake(path) ?? throw new IOException($"another process is already sending this job's stdin ({path} is locked).");

    /// <summary>The lock, or null when another holder has it.</summary>
    public static IDisposable? TryTake(string path)
    {
        if (Path.GetDirectoryName(path) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        try
        {
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException)
        {
            return null;
        }
    }
}
