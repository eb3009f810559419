using System.Text;
using SessionKeeper.Build;

namespace SessionKeeper.Tests.Fakes;

/// <summary>
/// A sent shell script with the parts the stripper quoted into <see cref="ScriptStripper.LazyVariable"/>
/// back as code, where they were: what a test reads as the script's code (its functions, its reply
/// tags) is then all of it, as in the source.
/// </summary>
public static class LazyText
{
    public static string Expand(string sent)
    {
        var first = ScriptStripper.LazyVariable + "='";
        var next = ScriptStripper.LazyVariable + "=$" + ScriptStripper.LazyVariable + "'";
        var code = new StringBuilder();
        var at = 0;
        while (at < sent.Length)
        {
            var prefix = sent.AsSpan(at).StartsWith(first) ? first : sent.AsSpan(at).StartsWith(next) ? next : null;
            if (prefix is null)
            {
                var end = sent.IndexOf('\n', at);
                end = end < 0 ? sent.Length : end + 1;
                code.Append(sent, at, end - at);
                at = end;
                continue;
            }

            // One single-quoted word: 'text' pieces joined by \' (a quote), closed at a line's end.
            at += prefix.Length;
            while (true)
            {
                var close = sent.IndexOf('\'', at);
                code.Append(sent, at, close - at);
                at = close + 1;
                if (sent.AsSpan(at).StartsWith("\\''"))
                {
                    code.Append('\'');
                    at += 3;
                    continue;
                }

                Assert.Equal('\n', sent[at]);
                at++;
                break;
            }
        }

        return code.ToString();
    }

    /// <summary>
    /// A perl tool with its text compiled on first need (a here-document "my $NAME = &lt;&lt;'LAZY';",
    /// evaluated by a named sub of the same file) as code in place, where it stands, and $NAME
    /// declared after it: the whole of what the tool may compile, as one program.
    /// </summary>
    public static string PerlInPlace(string tool) =>
        System.Text.RegularExpressions.Regex.Replace(tool, @"^my (\$[a-z_]+) = <<'LAZY';\n(.*?)^LAZY\n", "$2my $1;\n",
            System.Text.RegularExpressions.RegexOptions.Multiline | System.Text.RegularExpressions.RegexOptions.Singleline);
}
