namespace SessionKeeper.Build;

/// <summary>
/// Build time only (SessionKeeper.Core.csproj's StripRemoteScripts target compiles and runs it):
/// "DIR SCRIPT..." writes each script as it is sent, stripped, into DIR under its own name.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        Directory.CreateDirectory(args[0]);
        foreach (var path in args[1..])
        {
            var text = File.ReadAllText(path);
            var sent = path.EndsWith(".pl", StringComparison.Ordinal) ? ScriptStripper.Perl(text) : ScriptStripper.Shell(text);
            File.WriteAllText(Path.Combine(args[0], Path.GetFileName(path)), sent);
        }

        return 0;
    }
}
