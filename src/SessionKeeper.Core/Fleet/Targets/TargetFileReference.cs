namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>An <c>@file</c> or <c>@inventory:pattern</c> argument.</summary>
internal static class TargetFileReference
{
    public static IReadOnlyList<FleetTarget> Resolve(string spec, string location, string currentDirectory, string? homeDirectory)
    {
        var rest = spec[1..];
        if (rest.Length == 0)
        {
            throw new TargetSyntaxException(location, "'@' must be followed by a file name, such as @hosts.txt");
        }

        string FullPath(string path) => ResolvePath(path, location, currentDirectory, homeDirectory);
        var (path, pattern) = SplitPattern(rest, FullPath);
        if (pattern is { Length: 0 })
        {
            throw new TargetSyntaxException(location, $"':' must be followed by a group name, such as @{path}:all");
        }

        var text = Read(FullPath(path), location);
        if (TargetFileFormats.Detect(path, text, wantsGroups: pattern is not null) == TargetFileFormat.HostList)
        {
            return HostFile.Parse(text, path);
        }

        return AnsibleInventory.Select(AnsibleInventory.Load(text, path), pattern, location);
    }

    /// <summary>
    /// <c>inv.ini:web:!web3</c> is the file <c>inv.ini</c> and the pattern <c>web:!web3</c>: the
    /// file is the whole text if it exists, else the shortest prefix before a ':' that does.
    /// </summary>
    private static (string Path, string? Pattern) SplitPattern(string rest, Func<string, string> fullPath)
    {
        if (File.Exists(fullPath(rest)) || Directory.Exists(fullPath(rest)))
        {
            return (rest, null);
        }

        for (var colon = rest.IndexOf(':', StringComparison.Ordinal); colon > 0; colon = rest.IndexOf(':', colon + 1))
        {
            if (File.Exists(fullPath(rest[..colon])))
            {
                return (rest[..colon], rest[(colon + 1)..]);
            }
        }

        var first = rest.IndexOf(':', StringComparison.Ordinal);
        return first > 0 ? (rest[..first], rest[(first + 1)..]) : (rest, null);
    }

    private static string ResolvePath(string path, string location, string currentDirectory, string? homeDirectory)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = homeDirectory is null
                ? throw new TargetSyntaxException(location, "'~' is not expanded here; write the full path")
                : Path.Join(homeDirectory, path[1..]);
        }

        return Path.GetFullPath(Path.Combine(currentDirectory, path));
    }

    private static string Read(string fullPath, string location)
    {
        if (Directory.Exists(fullPath))
        {
            throw new TargetSyntaxException(location, $"'{fullPath}' is a directory; name a host list or inventory file");
        }

        if (!File.Exists(fullPath))
        {
            throw new TargetSyntaxException(location, $"file '{fullPath}' does not exist");
        }

        try
        {
            return File.ReadAllText(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TargetSyntaxException(location, $"cannot read '{fullPath}': {ex.Message}");
        }
    }
}
