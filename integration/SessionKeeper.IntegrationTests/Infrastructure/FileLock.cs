namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>
/// Cross-process (and in-process) exclusive lock: on Unix, .NET takes flock(LOCK_EX|LOCK_NB) for
/// FileShare.None, so a second open fails until the holder disposes the stream.
/// </summary>
internal static class FileLock
{
    public static async Task<FileStream> AcquireAsync(string path, TimeSpan timeout, CancellationToken ct)
    {
        FileStream? stream = null;
        await Poll.UntilAsync(
            () =>
            {
                try
                {
                    stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    return true;
                }
                catch (IOException)
                {
                    return false;
                }
            },
            timeout,
            $"lock {path}",
            ct);
        return stream!;
    }
}
