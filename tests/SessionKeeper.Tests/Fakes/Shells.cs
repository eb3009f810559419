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

    public static string Path_(string name) => name switch
    {
        "dash" => "/bin/dash",
        "bash" => "/bin/bash",
        "ash" => AshLink.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static LocalShellSession Session(string name, string stateHome, bool keepStreamInput = false)
    {
        var path = Path_(name);
        return new LocalShellSession(stateHome, path) { InterpreterPath = path, KeepStreamInput = keepStreamInput };
    }
}
