using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SessionKeeper.Core.Fleet.Targets;

internal static class YamlNodes
{
    /// <summary>YAML's null: an empty plain scalar, <c>~</c> or <c>null</c> (any of YAML 1.2's three spellings).</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL"
        && scalar.Tag.IsEmpty;

    public static string? Text(YamlNode node) => node is YamlScalarNode scalar ? scalar.Value : null;

    public static string Describe(YamlNode node) => node switch
    {
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        YamlScalarNode when IsNull(node) => "nothing",
        YamlScalarNode scalar => $"the value '{scalar.Value}'",
        _ => "an alias",
    };
}
