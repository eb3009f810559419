namespace SessionKeeper.Ssh.Config;

/// <summary>Where a setting came from: a file and line, or <c>command-line</c> for <c>-o</c>.</summary>
internal readonly record struct SourceLocation(string File, int Line)
{
    public const string CommandLine = "command-line";

    public static SourceLocation ForOverride(int index) => new(CommandLine, index);

    public override string ToString() =>
        File == CommandLine ? CommandLineText : $"{File} line {Line}";

    /// <summary>The short "file:line" form used in <see cref="ResolvedHostConfig.UnsupportedSettings"/>.</summary>
    public string Short => File == CommandLine ? CommandLineText : $"{File}:{Line}";

    private string CommandLineText => Line == 0 ? "command line" : $"-o option {Line}";
}

/// <summary>A value and where it was obtained.</summary>
internal sealed record Sourced<T>(T Value, SourceLocation Source);
