using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace SessionKeeper.Core.Journal;

/// <summary>
/// A file's name is durable only once its directory is on disk: a creation or a rename survives a
/// power cut only after an fsync(2) of the directory that holds the name (the file's own fsync
/// does not cover it). .NET cannot open a directory as a stream, so this is the one place that
/// calls fsync through Tmds.LibC.
/// </summary>
internal static class DurableFiles
{
    /// <summary>Whether directories can be synced here (Linux; elsewhere the calls do nothing).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>
    /// fsync(2) of the directory <paramref name="directory"/>, so that the names created or renamed
    /// in it survive a power cut. Throws <see cref="IOException"/> naming the directory and the
    /// system's reason when it cannot be opened or synced.
    /// </summary>
    public static unsafe void SyncDirectory(string directory)
    {
        if (!IsSupported)
        {
            return;
        }

        var path = Encoding.UTF8.GetBytes(directory + "\0");
        int fd;
        fixed (byte* p = path)
        {
            do
            {
                fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            }
            while (fd < 0 && errno == EINTR);
        }

        if (fd < 0)
        {
            throw Failed("cannot open the directory", directory, errno);
        }

        try
        {
            // fsync is not restarted after EINTR on every filesystem: try again ourselves.
            int rc;
            do
            {
                rc = fsync(fd);
            }
            while (rc < 0 && errno == EINTR);
            if (rc < 0)
            {
                throw Failed("cannot sync the directory", directory, errno);
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    /// <summary>The directory that holds the name <paramref name="path"/> (a file's or a directory's).</summary>
    public static string ParentOf(string path) =>
        Path.GetDirectoryName(Path.GetFullPath(path.Length > 1 ? path.TrimEnd('/') : path)) ?? "/";

    /// <summary>
    /// <see cref="SyncDirectory"/> for local state that the run can go on without: a failure is one
    /// warning line (the name may not survive a power cut; nothing else is wrong).
    /// </summary>
    public static void TrySyncDirectory(string directory, Action<string> warn)
    {
        try
        {
            SyncDirectory(directory);
        }
        catch (IOException ex)
        {
            warn($"{ex.Message}; what was just created there may not survive a power cut.");
        }
    }

    private static IOException Failed(string what, string directory, int error) =>
        new($"{what} {directory} to make its entries durable: {Marshal.GetPInvokeErrorMessage(error)} (errno {error})");
}
