namespace SessionKeeper.Ssh.Config;

/// <summary>
/// Home directories from /etc/passwd (<c>getpwnam()</c> without NSS), for <c>~user</c> paths and
/// for the local user's home as OpenSSH sees it.
/// </summary>
internal static class PasswdLookup
{
    private const string PasswdFile = "/etc/passwd";

    public static string? HomeOf(string user)
    {
        if (user.Length == 0 || !File.Exists(PasswdFile))
        {
            return null;
        }

        try
        {
            foreach (var line in File.ReadLines(PasswdFile))
            {
                var fields = line.Split(':');
                if (fields.Length >= 7 && fields[0] == user)
                {
                    return fields[5];
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return null;
    }
}
