namespace SessionKeeper.Tests.Fakes;

/// <summary>The POSIX shells the runner must work on; BusyBox ash needs a link named "ash".</summary>
public static class Shells
{
    private static readonly Lazy<string> AshLink = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("sk-ash-").FullName;
        var link = Path.Combine(dir, "ash");
        File.CreateSymbolicLink(link, "/bin/busybox");
        return link;
    });

    public static TheoryData<string> All => new() { "dash", "bash", "ash" };

    /// <summary>
    /// The shells once with the stream helper's fast tier (perl, the default where perl exists) and
    /// once with its POSIX tier ("+posix": the session's SK_TIER=posix), for tests of the stream verb.
    /// </summary>
    public static TheoryData<string> AllTiers => new() { "dash", "bash", "ash", "dash" + Posix, "bash" + Posix, "ash" + Posix };

    /// <summary>The suffix of a shell name that keeps the stream helper in sh.</summary>
    public const string Posix = "+posix";

    public static bool IsPosixTier(string name) => name.EndsWith(Posix, StringComparison.Ordinal);

    public static string Path_(string name) => name.Replace(Posix, "", StringComparison.Ordinal) switch
    {
        "dash" => "/bin/dash",
        "bash" => "/bin/bash",
        "ash" => AshLink.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static LocalShellSession Session(string name, string stateHome, bool keepStreamInput = false)
    {
        var path = Path_(name);
        return new LocalShellSession(stateHome, path) { InterpreterPath = path, KeepStreamInput = keepStreamInput, Tier = IsPosixTier(name) ? "posix" : null };
    }
}
