using System.Runtime.InteropServices;

namespace SessionKeeper.Ssh.Prompts;

/// <summary>Turns a terminal's echo off and back on (termios c_lflag ECHO), for passphrase prompts.</summary>
internal static partial class TerminalEcho
{
    private const int TcsaFlush = 2; // TCSAFLUSH on Linux and the BSDs
    private const uint Echo = 0x8; // ECHO on Linux and the BSDs

    /// <summary>Turns echo off; returns the settings to restore, or null when the descriptor is no terminal.</summary>
    public static byte[]? Disable(int fd)
    {
        var saved = new byte[256]; // larger than any struct termios
        if (tcgetattr(fd, ref saved[0]) != 0)
        {
            return null;
        }

        var changed = (byte[])saved.Clone();
        var offset = LocalFlagsOffset;
        var flags = BitConverter.ToUInt32(changed, offset) & ~Echo;
        BitConverter.TryWriteBytes(changed.AsSpan(offset, 4), flags);
        return tcsetattr(fd, TcsaFlush, ref changed[0]) == 0 ? saved : null;
    }

    public static void Restore(int fd, byte[] saved) => _ = tcsetattr(fd, TcsaFlush, ref saved[0]);

    /// <summary>c_lflag follows c_iflag, c_oflag and c_cflag: 4-byte fields on Linux, 8-byte ones on macOS.</summary>
    private static int LocalFlagsOffset => OperatingSystem.IsMacOS() ? 24 : 12;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcgetattr(int fd, ref byte termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcsetattr(int fd, int optionalActions, ref byte termios);
}
