using System.Text.RegularExpressions;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// Ansible's INI inventory: hosts before any section are <c>ungrouped</c>; <c>[group]</c> lists
/// hosts with inline <c>key=value</c> variables, <c>[group:children]</c> lists child groups
/// (which may be declared later in the file) and <c>[group:vars]</c> sets group variables.
/// Lines starting with <c>#</c> or <c>;</c> are comments.
/// </summary>
internal sealed partial class IniInventoryParser
{
    private readonly Inventory inventory;
    private readonly List<PendingGroup> pending = [];
    private InventoryGroup group;
    private string state = "hosts";
    private int line;

    private IniInventoryParser(string path)
    {
        inventory = new Inventory(path);
        group = inventory.Ungrouped;
    }

    /// <exception cref="TargetSyntaxException">The text is malformed; the message names <c>path:line</c>.</exception>
    public static Inventory Parse(string text, string path)
    {
        var parser = new IniInventoryParser(path);
        var lines = TextLines.Split(text);
        for (parser.line = 1; parser.line <= lines.Count; parser.line++)
        {
            parser.ParseLine(lines[parser.line - 1].Trim());
        }

        parser.ReportUndeclared();
        return parser.inventory.Complete();
    }

    private string Here => inventory.At(line);

    private void ParseLine(string text)
    {
        if (text.Length == 0 || text[0] is '#' or ';')
        {
            return;
        }

        if (SectionHeader().Match(text) is { Success: true } header)
        {
            var kind = header.Groups[2].Success ? header.Groups[2].Value : "hosts";
            EnterSection(header.Groups[1].Value, kind);
        }
        else if (text[0] == '[' && !IsBracketedAddress(text))
        {
            throw new TargetSyntaxException(Here, DescribeBadHeader(text));
        }
        else if (state == "vars")
        {
            ParseGroupVariable(text);
        }
        else if (state == "children")
        {
            ParseChild(text);
        }
        else
        {
            IniHostLine.Parse(inventory, group, text, line);
        }
    }

    private void EnterSection(string name, string kind)
    {
        if (kind is not "hosts" and not "children" and not "vars")
        {
            throw new TargetSyntaxException(
                Here, $"section [{name}:{kind}] has unknown type '{kind}': use [{name}], [{name}:children] or [{name}:vars]");
        }

        var known = pending.Find(p => p.Name == name);
        if (inventory.FindGroup(name) is null && kind == "vars" && known is null)
        {
            pending.Add(new PendingGroup(name, line, IsVars: true));
        }

        group = inventory.GetOrAddGroup(name);
        state = kind;
        if (known is not null && kind != "vars")
        {
            foreach (var (parent, parentLine) in known.Parents)
            {
                inventory.AddChild(parent, group, parentLine);
            }

            pending.Remove(known);
        }
    }

    private void ParseGroupVariable(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            throw new TargetSyntaxException(Here, $"expected key=value in [{group.Name}:vars], got '{text}'");
        }

        var name = text[..equals].Trim();
        if (name.Length == 0)
        {
            throw new TargetSyntaxException(Here, $"'{text}' has no variable name before '='");
        }

        group.Vars[name] = new InventoryValue(IniValue.FromVarsLine(text[(equals + 1)..]), line);
    }

    private void ParseChild(string text)
    {
        var match = GroupNameLine().Match(text);
        if (!match.Success)
        {
            throw new TargetSyntaxException(Here, $"expected one group name in [{group.Name}:children], got '{text}'");
        }

        var name = match.Groups[1].Value;
        if (inventory.FindGroup(name) is { } child)
        {
            inventory.AddChild(group, child, line);
            return;
        }

        var known = pending.Find(p => p.Name == name);
        if (known is null)
        {
            known = new PendingGroup(name, line, IsVars: false);
            pending.Add(known);
        }

        known.Parents.Add((group, line));
    }

    /// <summary>As Ansible: a child or a <c>:vars</c> section naming a group that is never declared is an error.</summary>
    private void ReportUndeclared()
    {
        if (pending.FirstOrDefault() is not { } first)
        {
            return;
        }

        var problem = first.IsVars
            ? $"section [{first.Name}:vars] sets variables of group '{first.Name}', which is never declared with [{first.Name}] or [{first.Name}:children]"
            : $"section [{first.Parents[0].Parent.Name}:children] names group '{first.Name}', which is never declared with [{first.Name}] or [{first.Name}:children]";
        throw new TargetSyntaxException(inventory.At(first.Line), problem);
    }

    private static bool IsBracketedAddress(string text)
    {
        var close = text.IndexOf(']', StringComparison.Ordinal);
        return close > 0 && HostAddress.IsIPv6(text[1..close]);
    }

    private static string DescribeBadHeader(string text)
    {
        var close = text.IndexOf(']', StringComparison.Ordinal);
        if (close < 0)
        {
            return $"section header '{text}' has no closing ']'";
        }

        var inside = text[1..close];
        if (close < text.Length - 1 && !text[(close + 1)..].TrimStart().StartsWith('#'))
        {
            return $"unexpected '{text[(close + 1)..].Trim()}' after section header '{text[..(close + 1)]}'";
        }

        return inside.Trim().Length == 0
            ? "section header '[]' names no group"
            : $"invalid section header '{text[..(close + 1)]}': a group name has no spaces, ':' or ']', and the only section types are :children and :vars";
    }

    [GeneratedRegex(@"^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$")]
    private static partial Regex SectionHeader();

    [GeneratedRegex(@"^([^:\]\s]+)\s*(?:#.*)?$")]
    private static partial Regex GroupNameLine();

    private sealed record PendingGroup(string Name, int Line, bool IsVars)
    {
        public List<(InventoryGroup Parent, int Line)> Parents { get; } = [];
    }
}
