namespace SessionKeeper.Tests.Ssh.Config;

/// <summary>One ssh command line: -o options first (as SshConfigResolver processes them), then -l, -p, host.</summary>
internal sealed record SshGQuery(string Host, IReadOnlyList<string> Overrides, string? User, int? Port)
{
    public IEnumerable<string> CommandLine()
    {
        foreach (var option in Overrides)
        {
            yield return "-o";
            yield return option;
        }

        if (User is not null)
        {
            yield return "-l";
            yield return User;
        }

        if (Port is { } port)
        {
            yield return "-p";
            yield return port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        yield return Host;
    }
}

/// <summary>A named set of command-line options, crossed with every host of a corpus entry.</summary>
internal sealed record CommandLineVariant(string Name, string[] Overrides, string? User = null, int? Port = null)
{
    public static readonly CommandLineVariant Plain = new("plain", []);

    public static readonly CommandLineVariant UserAndPort = new("-l -p", [], "cliuser", 2022);
}

/// <summary>
/// One differential corpus entry: files written under the sandbox's $HOME (the first one is passed
/// with -F; relative Includes resolve to $HOME/.ssh), the hosts to resolve, the command lines.
/// </summary>
internal sealed record CorpusEntry(string Name, CorpusFile[] Files, string[] Hosts, CommandLineVariant[] Variants)
{
    /// <summary>Whether OpenSSH must refuse every query of this entry (true), accept every one (false), or either.</summary>
    public bool? SshRefuses { get; init; } = false;

    public string MainFile => Files[0].Path;
}

/// <summary>A file of a corpus entry, relative to the sandbox's $HOME.</summary>
internal sealed record CorpusFile(string Path, string Content, UnixFileMode Mode = CorpusFile.ReadWriteReadRead)
{
    public const UnixFileMode ReadWriteReadRead =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
}
