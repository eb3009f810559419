using System.Text.RegularExpressions;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>Tells a host list from an INI or YAML inventory, by extension first and content second.</summary>
internal static partial class TargetFileFormats
{
    /// <param name="path">The file's name, whose extension decides first.</param>
    /// <param name="text">The file's content, which decides otherwise.</param>
    /// <param name="wantsGroups">A group was asked for, so a file that could be either is read as an INI inventory.</param>
    public static TargetFileFormat Detect(string path, string text, bool wantsGroups)
    {
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".yml" or ".yaml" or ".json":
                return TargetFileFormat.Yaml;
            case ".ini":
                return TargetFileFormat.Ini;
        }

        var lines = TextLines.Split(text)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && l[0] is not '#' and not ';')
            .ToList();
        if (lines.Count > 0 && YamlStart().IsMatch(lines[0]))
        {
            return TargetFileFormat.Yaml;
        }

        return wantsGroups || lines.Any(l => IniSection().IsMatch(l) || IniVariable().IsMatch(l))
            ? TargetFileFormat.Ini
            : TargetFileFormat.HostList;
    }

    // "---", "%YAML", "{", or a mapping key such as "all:" with nothing or a space after the colon.
    [GeneratedRegex(@"^(?:---|%YAML|\{|[^\s\[#;:'""]+:(?:\s.*)?$)")]
    private static partial Regex YamlStart();

    [GeneratedRegex(@"^\[[^\]\s]+\]\s*(?:#.*)?$")]
    private static partial Regex IniSection();

    [GeneratedRegex(@"^\S+\s+[^\s=]+=")]
    private static partial Regex IniVariable();
}
