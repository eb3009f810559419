namespace SessionKeeper.Ssh.Config;

/// <summary>
/// The checks OpenSSH applies to host and user names from the command line (-l, -o User=, the
/// destination, -o ProxyJump=), so they cannot smuggle shell syntax into %h/%r/%u expansions:
/// <c>ssh_valid_hostname()</c> and <c>ssh_valid_ruser()</c> of 10.3p1, backported by Debian 12.
/// Names written in config files are not checked.
/// </summary>
internal static class CommandLineNames
{
    public static bool IsValidHostName(string s)
    {
        if (s.StartsWith('-'))
        {
            return false;
        }

        foreach (var c in s)
        {
            if ("'`\"$\\;&<>|(){},".Contains(c, StringComparison.Ordinal) || IsSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsValidUser(string s)
    {
        if (s.StartsWith('-'))
        {
            return false;
        }

        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            var next = i + 1 < s.Length ? s[i + 1] : '\0';
            if (char.IsControl(c) || "'`\";&<>|(){}".Contains(c, StringComparison.Ordinal)
                || (IsSpace(c) && next == '-') || (c == '\\' && next == '\0'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>C's <c>isspace()</c> in the C locale.</summary>
    public static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
