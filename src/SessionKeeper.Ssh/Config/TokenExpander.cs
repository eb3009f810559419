using System.Security.Cryptography;
using System.Text;

namespace SessionKeeper.Ssh.Config;

/// <summary>
/// ssh_config TOKENS and ENVIRONMENT VARIABLES: misc.c's <c>percent_expand()</c>,
/// <c>percent_dollar_expand()</c> and <c>tilde_expand()</c>, plus the <c>%C</c> connection hash.
/// </summary>
internal static class TokenExpander
{
    /// <summary>HostName accepts only %h (the name as given) and %%.</summary>
    public static string ExpandHostName(Sourced<string> hostName, string hostArg) =>
        Expand(hostName.Value, new Dictionary<char, string> { ['h'] = hostArg }, null, out var error)
        ?? throw SshConfigException.At(hostName.Source, $"HostName {hostName.Value}: {error}",
            "HostName accepts only the tokens %h and %%");

    /// <summary>
    /// Expands <c>%x</c> tokens from <paramref name="tokens"/> and, when <paramref name="variables"/>
    /// is given, <c>${NAME}</c>. Returns null with <paramref name="error"/> set on an unknown
    /// token, a trailing %, or a missing or malformed variable.
    /// </summary>
    public static string? Expand(string text, IReadOnlyDictionary<char, string> tokens, Func<string, string?>? variables, out string? error)
    {
        error = null;
        var result = new StringBuilder(text.Length);
        string? missing = null;
        for (var i = 0; i < text.Length; i++)
        {
            if (variables is not null && text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var end = text.IndexOf('}', i + 2);
                if (end < 0)
                {
                    error = $"environment variable '{text[(i + 2)..]}' missing closing '}}'";
                    return null;
                }

                if (end == i + 2)
                {
                    error = "zero-length environment variable";
                    return null;
                }

                var name = text[(i + 2)..end];
                if (variables(name) is { } value)
                {
                    result.Append(value);
                }
                else
                {
                    missing ??= name;
                }

                i = end;
                continue;
            }

            if (text[i] != '%')
            {
                result.Append(text[i]);
                continue;
            }

            if (++i >= text.Length)
            {
                error = "invalid format (a lone % at the end; write %% for a percent sign)";
                return null;
            }

            if (text[i] == '%')
            {
                result.Append('%');
            }
            else if (tokens.TryGetValue(text[i], out var replacement))
            {
                result.Append(replacement);
            }
            else
            {
                error = $"unknown key %{text[i]}";
                return null;
            }
        }

        if (missing is not null)
        {
            error = $"environment variable ${{{missing}}} has no value";
            return null;
        }

        return result.ToString();
    }

    /// <summary>
    /// <c>tilde_expand()</c>: <c>~</c> and <c>~/path</c> use the local user's home directory (from the
    /// password database, not $HOME), <c>~user/path</c> that user's. Null when the user is unknown.
    /// </summary>
    public static string? ExpandTilde(string path, SshConfigEnvironment environment)
    {
        if (!path.StartsWith('~'))
        {
            return path;
        }

        var copy = path[1..];
        string? rest;
        string? home;
        if (copy.Length == 0 || copy[0] == '/')
        {
            rest = copy.TrimStart('/');
            home = environment.HomeDirectory;
        }
        else
        {
            var slash = copy.IndexOf('/', StringComparison.Ordinal);
            var user = slash < 0 ? copy : copy[..slash];
            rest = slash < 0 ? string.Empty : copy[(slash + 1)..].TrimStart('/');
            home = user == environment.LocalUser ? environment.HomeDirectory : PasswdLookup.HomeOf(user);
        }

        if (home is null)
        {
            return null;
        }

        var separator = home.Length == 0 || home[^1] != '/' ? "/" : string.Empty;
        return home + separator + rest;
    }

    /// <summary><c>%C</c>: SHA-1 of local hostname, remote hostname, port and remote user, in hex.</summary>
    public static string ConnectionHash(string localHostName, string host, string port, string user)
    {
#pragma warning disable CA5350 // OpenSSH defines %C as SHA-1; it names a file, it protects nothing.
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(localHostName + host + port + user));
#pragma warning restore CA5350
        return Convert.ToHexStringLower(hash);
    }
}
