using SessionKeeper.Ssh.Config;

namespace SessionKeeper.Ssh.Auth;

/// <summary>
/// OpenSSH's <c>sshkey_perm_ok()</c>: a private key file that belongs to the user and that the group
/// or others may access ((mode &amp; 077) != 0) is refused, with ssh's warning, before its private
/// part is read (and before any passphrase is asked); a key owned by someone else is not checked.
/// </summary>
internal static class KeyFilePermissions
{
    /// <summary>ssh's warning when <paramref name="path"/> is too open, or null when the key may be used.</summary>
    public static string? Warning(string path)
    {
        int mode;
        try
        {
            mode = (int)File.GetUnixFileMode(path) & 0x1FF; // st_mode & 0777 (File follows symlinks, as ssh's open() does)
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // loading it fails and says why
        }

        if ((mode & 0x3F) == 0 || !OwnedByUser(path))
        {
            return null;
        }

        const string Bar = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";
        return string.Join(
            '\n',
            Bar,
            "@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @",
            Bar,
            $"Permissions 0{Convert.ToString(mode, 8).PadLeft(3, '0')} for '{path}' are too open.",
            "It is required that your private key files are NOT accessible by others.",
            "This private key will be ignored.");
    }

    private static bool OwnedByUser(string path)
    {
        if (!FileOwnership.TryGet(path, out var uid, out _))
        {
            return true; // cannot tell: be as strict as for one's own file
        }

        return !OperatingSystem.IsLinux() || uid == (uint)Tmds.Linux.LibC.getuid();
    }
}
