namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>Finds the `dotnet` muxer used to run framework-dependent apps.</summary>
public static class DotnetHost
{
    public static string Locate()
    {
        var hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath))
        {
            return hostPath;
        }

        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        var dotnetRoot = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Prepend(dotnetRoot ?? "")
            .Where(dir => dir.Length > 0)
            .Select(dir => Path.Combine(dir, "dotnet"));
        return candidates.FirstOrDefault(File.Exists) ?? "dotnet";
    }
}
