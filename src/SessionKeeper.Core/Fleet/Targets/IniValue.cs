using System.Text;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// Reads an INI value the way Ansible's <c>ast.literal_eval</c> does for the cases that matter to
/// connection settings: a quoted Python string loses its quotes, anything else stays as written.
/// </summary>
internal static class IniValue
{
    /// <summary>A value from a host line, already split by <see cref="IniTokenizer"/>.</summary>
    public static string FromHostLine(string value) =>
        TryUnquote(value, out var text, out var rest) && rest.Length == 0 ? text : value;

    /// <summary>
    /// A value from a <c>[group:vars]</c> line: everything after the first <c>=</c>. A quoted value
    /// may be followed by a <c># comment</c>; an unquoted one loses a <c> # comment</c> too, which
    /// Ansible keeps in the value but no connection setting can mean.
    /// </summary>
    public static string FromVarsLine(string value)
    {
        value = value.Trim();
        if (TryUnquote(value, out var text, out var rest) && (rest.Length == 0 || rest.TrimStart().StartsWith('#')))
        {
            return text;
        }

        for (var i = 1; i < value.Length; i++)
        {
            if (value[i] == '#' && char.IsWhiteSpace(value[i - 1]))
            {
                return value[..i].TrimEnd();
            }
        }

        return value;
    }

    private static bool TryUnquote(string value, out string text, out string rest)
    {
        text = value;
        rest = "";
        if (value.Length < 2 || value[0] is not '\'' and not '"')
        {
            return false;
        }

        var quote = value[0];
        var builder = new StringBuilder();
        for (var i = 1; i < value.Length; i++)
        {
            var c = value[i];
            if (c == quote)
            {
                text = builder.ToString();
                rest = value[(i + 1)..];
                return true;
            }

            if (c == '\\' && i + 1 < value.Length && value[i + 1] is 'n' or 't' or '\\' or '\'' or '"')
            {
                c = value[++i] switch { 'n' => '\n', 't' => '\t', var escaped => escaped };
            }

            builder.Append(c);
        }

        return false;
    }
}
