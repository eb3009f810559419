using System.Text;

namespace SessionKeeper.Core.Jobs;

/// <summary>What to run: the command text as `ssh HOST CMD` would run it, and where.</summary>
/// <param name="Command">Run by <paramref name="Shell"/> (the login shell when null) with -c.</param>
/// <param name="WorkingDirectory">Where it runs on the target (null: the login's home).</param>
/// <param name="Environment">Variables added to the job's environment, in order.</param>
/// <param name="Shell">The shell that runs the command with -c (null: the login shell).</param>
/// <param name="Timeout">Enforced on the target by the wrapper: TERM, then KILL after <paramref name="Grace"/>.</param>
/// <param name="Grace">The time between SIGTERM and SIGKILL when the job is stopped (null: <see cref="DefaultGrace"/>).</param>
public sealed record JobSpec(
    string Command,
    string? WorkingDirectory = null,
    IReadOnlyList<KeyValuePair<string, string>>? Environment = null,
    string? Shell = null,
    TimeSpan? Timeout = null,
    TimeSpan? Grace = null)
{
    /// <summary>The time between SIGTERM and SIGKILL when a spec sets none: 10 s.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The command's exact bytes when they are not valid UTF-8 (ssh passes such bytes through);
    /// <see cref="Command"/> then shows them with U+FFFD and is never what runs. Null otherwise.
    /// </summary>
    public byte[]? RawCommand { get; init; }

    /// <summary>The bytes that run on the target.</summary>
    public byte[] CommandBytes => RawCommand is { } raw ? raw.ToArray() : Encoding.UTF8.GetBytes(Command);

    /// <summary>A spec whose command is these bytes: text when they are UTF-8, raw bytes otherwise.</summary>
    public JobSpec WithCommand(byte[] bytes) => TryDecode(bytes) is { } text
        ? this with { Command = text, RawCommand = null }
        : this with { Command = Encoding.UTF8.GetString(bytes), RawCommand = bytes.ToArray() };

    /// <summary>The text of these bytes when they are valid UTF-8, null otherwise.</summary>
    public static string? TryDecode(byte[] bytes) => System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : null;
}
