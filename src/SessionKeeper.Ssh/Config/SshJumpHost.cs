namespace SessionKeeper.Ssh.Config;

/// <summary>
/// One ProxyJump hop. Connect to it as ssh would: resolve its own configuration for
/// <see cref="Host"/> with <see cref="User"/> and <see cref="Port"/> as if given by -l and -p.
/// </summary>
/// <param name="User">The user named in the hop, or null (the hop's own config decides).</param>
/// <param name="Host">The host as written in the hop (an alias is resolved by its own config).</param>
/// <param name="Port">The port named in the hop, or null.</param>
internal sealed record SshJumpHost(string? User, string Host, int? Port)
{
    /// <summary>The hop as <c>ssh -G</c> prints it: <c>[user@]host[:port]</c>, with [brackets] around a numeric host.</summary>
    public override string ToString()
    {
        var numeric = Host.Contains(':', StringComparison.Ordinal) || Host.All(c => c is '.' or (>= '0' and <= '9'));
        var host = numeric ? $"[{Host}]" : Host;
        var user = User is null ? string.Empty : User + "@";
        var port = Port is { } p ? ":" + ConfigValues.FormatInt(p) : string.Empty;
        return user + host + port;
    }

    /// <summary>Parses one hop, <c>[user@]host[:port]</c> or <c>ssh://[user@]host[:port]</c>.</summary>
    internal static SshJumpHost? Parse(string hop)
    {
        var uri = DestinationParser.ParseSshUri(hop, out var parsed);
        if (uri == -1 || (uri == 1 && !DestinationParser.TryParseUserHostPort(hop, out parsed)))
        {
            return null;
        }

        return new SshJumpHost(parsed.User, parsed.Host, parsed.Port > 0 ? parsed.Port : null);
    }
}
