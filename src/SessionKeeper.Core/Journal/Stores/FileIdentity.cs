using System.Text;
using static Tmds.Linux.LibC;

namespace SessionKeeper.Core.Journal.Stores;

/// <summary>
/// Which file a path names now: its device and inode, through stat(2) (Tmds.LibC: .NET has no API
/// for them). A file deleted, or replaced by a rename, under the same path has another identity.
/// </summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode)
{
    /// <summary>The identity of the file <paramref name="path"/> names (symlinks followed); null when there is none or it cannot be read.</summary>
    public static unsafe FileIdentity? Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        Tmds.Linux.stat buffer;
        fixed (byte* p = bytes)
        {
            if (stat(p, &buffer) != 0)
            {
                return null;
            }
        }

        return new FileIdentity((ulong)buffer.st_dev, (ulong)buffer.st_ino);
    }
}
