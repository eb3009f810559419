using System.Diagnostics.CodeAnalysis;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// One <c>[user@]host[:port]</c> entry of the command line or of a host file, where the host may
/// hold ranges: <c>deploy@web[01-04].example.com:2222</c>.
/// </summary>
internal static class HostEntry
{
    /// <summary>OpenSSH's URI form of a destination, <c>ssh://[user@]host[:port]</c>.</summary>
    private const string UriPrefix = "ssh://";

    public static bool TryParse(
        string text,
        string source,
        [NotNullWhen(true)] out IReadOnlyList<FleetTarget>? targets,
        [NotNullWhen(false)] out string? error)
    {
        targets = null;
        string? user = null;
        var rest = text.StartsWith(UriPrefix, StringComparison.OrdinalIgnoreCase) ? text[UriPrefix.Length..] : text;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            user = rest[..at];
            rest = rest[(at + 1)..];
            if (!IsValidUser(user, out error))
            {
                return false;
            }

            if (rest.Length == 0)
            {
                error = $"'{text}' has no host name after '@'";
                return false;
            }
        }

        if (!HostAddress.TrySplit(rest, out var pattern, out var port, out error))
        {
            return false;
        }

        IReadOnlyList<string> names = [pattern];
        if (!HostAddress.IsIPv6(pattern) && pattern.AsSpan().IndexOfAny('[', ']') >= 0)
        {
            if (!HostRange.TryExpand(pattern, HostRangeSyntax.CommandLine, out var expanded, out error))
            {
                return false;
            }

            names = expanded;
        }

        foreach (var name in names)
        {
            if (!IsValidHostName(name, out error))
            {
                return false;
            }
        }

        targets = names.Select(name => new FleetTarget(name, null, port, user, source) { Written = Written(user, name, port) }).ToArray();
        return true;
    }

    /// <summary>A member of the entry as it was written (a range expanded, ssh:// dropped); null when that is the name alone.</summary>
    private static string? Written(string? user, string name, int? port)
    {
        if (user is null && port is null)
        {
            return null;
        }

        var host = port is not null && HostAddress.IsIPv6(name) ? $"[{name}]" : name;
        return $"{(user is null ? "" : user + "@")}{host}{(port is { } p ? ":" + p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "")}";
    }

    public static bool IsValidHostName(string name, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (HostAddress.IsIPv6(name))
        {
            return true;
        }

        if (name.Length == 0)
        {
            error = "the host name is empty";
        }
        else if (name[0] is '-' or '.')
        {
            error = $"host name '{name}' may not start with '{name[0]}'";
        }
        else
        {
            foreach (var c in name)
            {
                if (!char.IsLetterOrDigit(c) && c is not '-' and not '.' and not '_')
                {
                    error = $"host name '{name}' has '{c}': a host name holds letters, digits, '-', '_' and '.'";
                    break;
                }
            }
        }

        return error is null;
    }

    private static bool IsValidUser(string user, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (user.Length == 0)
        {
            error = "the user name before '@' is empty";
        }
        else if (user[0] == '-')
        {
            error = $"user name '{user}' may not start with '-'";
        }
        else if (user.FirstOrDefault(c => !char.IsLetterOrDigit(c) && !UserPunctuation.Contains(c)) is not '\0' and var bad)
        {
            error = $"user name '{user}' has '{bad}'";
        }

        return error is null;
    }

    // POSIX names, "name$" machine accounts, "DOMAIN\name" and "name@domain" directory accounts.
    private const string UserPunctuation = "._-$\\@+";
}
