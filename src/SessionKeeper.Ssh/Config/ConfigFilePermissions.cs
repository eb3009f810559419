using System.Globalization;

namespace SessionKeeper.Ssh.Config;

/// <summary>
/// Whether a config file is safe to read: Debian's <c>secure_permissions()</c>. The owner must be
/// root or the local user; the file must not be world-writable; it may be group-writable only when
/// that group is the owner's alone (a user-private group, as with umask 002). Where the owner and
/// group cannot be read (not Linux), any group or world write permission is refused, as upstream
/// OpenSSH does.
/// </summary>
internal static class ConfigFilePermissions
{
    public static bool IsSecure(string path, string? localUserId)
    {
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.OtherWrite) != 0)
        {
            return false;
        }

        if (!FileOwnership.TryGet(path, out var uid, out var gid))
        {
            return (mode & UnixFileMode.GroupWrite) == 0;
        }

        uint? me = uint.TryParse(localUserId, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        if (uid != 0 && me is not null && uid != me)
        {
            return false;
        }

        return (mode & UnixFileMode.GroupWrite) == 0 || IsPrivateGroup(gid, uid, me ?? uid);
    }

    /// <summary>The group has exactly one member, namely the file's owner (who is the local user).</summary>
    private static bool IsPrivateGroup(uint gid, uint owner, uint me)
    {
        var group = ReadColonFile("/etc/group").FirstOrDefault(f => f.Length >= 4 && f[2] == Format(gid));
        if (group is null)
        {
            return false;
        }

        var members = 0;
        var users = ReadColonFile("/etc/passwd").Where(f => f.Length >= 7).ToList();
        foreach (var user in users.Where(u => u[3] == Format(gid)))
        {
            members++;
            if (user[2] != Format(me))
            {
                return false;
            }
        }

        var ownerName = users.FirstOrDefault(u => u[2] == Format(owner))?[0];
        if (ownerName is null)
        {
            return false;
        }

        var supplementary = group[3].Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (supplementary.Length > 0)
        {
            members++;
            if (supplementary[0] != ownerName || supplementary.Length > 1)
            {
                return false;
            }
        }

        return members > 0;
    }

    private static string Format(uint id) => id.ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<string[]> ReadColonFile(string path)
    {
        try
        {
            return File.Exists(path) ? [.. File.ReadLines(path).Select(l => l.Split(':'))] : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
