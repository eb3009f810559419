using System.Runtime.InteropServices;

namespace SessionKeeper.Ssh.Config;

/// <summary>
/// A config file's owner and group, through Linux's <c>statx()</c> (whose layout is the same on
/// every architecture). Unavailable elsewhere: callers then check the mode bits only.
/// </summary>
internal static class FileOwnership
{
    private const int AtFdCwd = -100;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;
    private const int UidOffset = 20;
    private const int GidOffset = 24;

    public static bool TryGet(string path, out uint uid, out uint gid)
    {
        uid = gid = 0;
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var buffer = new byte[StatxSize];
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0)
            {
                return false;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }

        uid = BitConverter.ToUInt32(buffer, UidOffset);
        gid = BitConverter.ToUInt32(buffer, GidOffset);
        return true;
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}
