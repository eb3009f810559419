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
}
