using System.Text;

namespace SessionKeeper.Build;

internal static partial class ScriptStripper
{
    /// <summary>The line that opens a part of a script sent as text, not code (see <see cref="Shell"/>).</summary>
    public const string LazyBegin = "# sk-lazy-begin";

    /// <summary>The line that closes it.</summary>
    public const string LazyEnd = "# sk-lazy-end";

    /// <summary>The variable that holds those parts, in their order, as sent.</summary>
    public const string LazyVariable = "sk_lazy_text";

    /// <summary>
    /// A POSIX sh script without its comment lines, blank lines and the blanks at its lines' ends
    /// (a first line's #! stays); <paramref name="script"/> itself where it has a construct the
    /// scanner does not close. The lines between a <see cref="LazyBegin"/> line and a
    /// <see cref="LazyEnd"/> line (whole definitions, at the top level) are stripped the same way and
    /// become a single-quoted word appended to <see cref="LazyVariable"/> where they were, for the
    /// script to evaluate when it needs them: a shell reads a quoted word about three times faster
    /// than it parses the same bytes as code. A part that is not whole stops the build.
    /// </summary>
    public static string Shell(string script)
    {
        if (!script.Contains(LazyBegin, StringComparison.Ordinal) && !script.Contains(LazyEnd, StringComparison.Ordinal))
        {
            return StripShell(script) ?? script;
        }

        var sent = new StringBuilder();
        var part = new List<string>();
        var lazy = false;
        var first = true;
        foreach (var line in Lines(script).Append(null))
        {
            if (line is not (LazyBegin or LazyEnd or null))
            {
                part.Add(line);
                continue;
            }

            var due = lazy ? LazyEnd : LazyBegin;
            if (line is null ? lazy : line != due)
            {
                throw new InvalidOperationException($"{line ?? "the end of the script"} where {due} was due");
            }

            var text = Join(part);
            part.Clear();
            var stripped = StripShell(text) ?? throw new InvalidOperationException($"a part of the script is not whole:\n{text}");
            if (lazy)
            {
                sent.Append(LazyVariable).Append('=').Append(first ? "" : "$" + LazyVariable)
                    .Append('\'').Append(stripped.Replace("'", "'\\''", StringComparison.Ordinal)).Append("'\n");
                first = false;
            }
            else
            {
                sent.Append(stripped);
            }

            lazy = line == LazyBegin;
        }

        return sent.ToString();
    }

    /// <summary>The script stripped, or null where it has a construct the scanner does not close.</summary>
    private static string? StripShell(string script)
    {
        if (script.Contains('\r', StringComparison.Ordinal))
        {
            return null;
        }

        var scanner = new ShellScanner();
        var kept = new List<string>();
        var lines = Lines(script);
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            if (scanner.InHereDocument)
            {
                scanner.HereDocumentLine(line);
                kept.Add(line);
                continue;
            }

            if (scanner.InCode && !scanner.Continued)
            {
                line = TrimStartBlanks(line);
                if (line.Length == 0 || (line[0] == '#' && !(n == 0 && line.StartsWith("#!", StringComparison.Ordinal))))
                {
                    continue;
                }
            }
            else if (scanner.InCode && line.Length > 0 && IsBlank(line[0]))
            {
                // A continued line: its blanks separate words, one does that as well as many.
                line = " " + TrimStartBlanks(line);
            }

            scanner.Scan(line);
            kept.Add(scanner.InCode && !scanner.Continued ? TrimEndBlanks(line) : line);
        }

        return scanner.Closed ? Join(kept) : null;
    }

    /// <summary>Follows quotes, substitutions and here-documents from line to line, as far as line starts need.</summary>
    private sealed class ShellScanner
    {
        private enum Kind
        {
            Top,
            Command,
            Arithmetic,
            Parameter,
            Double,
            Single,
            Backquote,
        }

        private sealed class Frame(Kind kind)
        {
            public Kind Kind { get; } = kind;

            public int Parens { get; set; }

            public int Cases { get; set; }
        }

        private readonly Stack<Frame> _frames = new([new Frame(Kind.Top)]);
        private readonly Queue<(string Word, bool Tabs)> _pending = new();
        private readonly Queue<(string Word, bool Tabs)> _bodies = new();

        public bool InHereDocument => _bodies.Count > 0;

        /// <summary>Every open frame is code (no quote, parameter or arithmetic open), so a line start is a token start.</summary>
        public bool InCode => _frames.All(f => f.Kind is Kind.Top or Kind.Command);

        /// <summary>The last line ended in a backslash outside quotes.</summary>
        public bool Continued { get; private set; }

        public bool Closed => _frames.Count == 1 && _pending.Count == 0 && _bodies.Count == 0 && !Continued;

        public void HereDocumentLine(string line)
        {
            var (word, tabs) = _bodies.Peek();
            if ((tabs ? line.TrimStart('\t') : line) == word)
            {
                _bodies.Dequeue();
            }
        }

        public void Scan(string line)
        {
            Continued = false;
            var wordStart = true;
            var i = 0;
            while (i < line.Length)
            {
                var frame = _frames.Peek();
                var c = line[i];
                switch (frame.Kind)
                {
                    case Kind.Single:
                        if (c == '\'')
                        {
                            _frames.Pop();
                        }

                        i++;
                        break;
                    case Kind.Backquote:
                        i += c == '\\' ? 2 : 1;
                        if (c == '`')
                        {
                            _frames.Pop();
                        }

                        break;
                    case Kind.Double:
                        i = c switch
                        {
                            '\\' => i + 2,
                            '$' => Dollar(line, i),
                            _ => i + 1,
                        };
                        if (c == '"')
                        {
                            _frames.Pop();
                        }
                        else if (c == '`')
                        {
                            _frames.Push(new Frame(Kind.Backquote));
                        }

                        break;
                    case Kind.Parameter:
                        i = Quoting(line, i, c) ?? i + 1;
                        if (c == '}')
                        {
                            _frames.Pop();
                        }

                        break;
                    case Kind.Arithmetic:
                        i = Quoting(line, i, c) ?? i + 1;
                        if (c == '(')
                        {
                            frame.Parens++;
                        }
                        else if (c == ')' && frame.Parens > 0)
                        {
                            frame.Parens--;
                        }
                        else if (c == ')' && i < line.Length && line[i] == ')')
                        {
                            _frames.Pop();
                            i++;
                        }

                        break;
                    default:
                        (i, wordStart) = Code(line, i, frame, wordStart);
                        break;
                }
            }

            if (_pending.Count > 0 && InCode && !Continued)
            {
                while (_pending.TryDequeue(out var body))
                {
                    _bodies.Enqueue(body);
                }
            }
        }

        /// <summary>A quote, escape or substitution starting at <paramref name="i"/>: the index after its opening, or null for another character.</summary>
        private int? Quoting(string line, int i, char c)
        {
            switch (c)
            {
                case '\\':
                    return i + 2;
                case '$':
                    return Dollar(line, i);
                case '\'':
                    _frames.Push(new Frame(Kind.Single));
                    return i + 1;
                case '"':
                    _frames.Push(new Frame(Kind.Double));
                    return i + 1;
                case '`':
                    _frames.Push(new Frame(Kind.Backquote));
                    return i + 1;
                default:
                    return null;
            }
        }

        private (int Next, bool WordStart) Code(string line, int i, Frame frame, bool wordStart)
        {
            var c = line[i];
            if (c == '\\' && i + 1 == line.Length)
            {
                Continued = true;
                return (i + 1, false);
            }

            if (Quoting(line, i, c) is { } next)
            {
                return (next, false);
            }

            if (c == '#' && wordStart)
            {
                return (line.Length, true);
            }

            if (wordStart && frame.Kind == Kind.Command && (Keyword(line, i, "case") || Keyword(line, i, "esac")))
            {
                frame.Cases += line[i] == 'c' ? 1 : -1;
                return (i + 4, false);
            }

            if (c == '<' && i + 1 < line.Length && line[i + 1] == '<')
            {
                return (i + 2 < line.Length && line[i + 2] == '<' ? i + 3 : HereDocument(line, i + 2), true);
            }

            if (frame.Kind == Kind.Command && c == '(')
            {
                frame.Parens++;
            }
            else if (frame.Kind == Kind.Command && c == ')')
            {
                if (frame.Parens > 0)
                {
                    frame.Parens--;
                }
                else if (frame.Cases == 0)
                {
                    // A case pattern's parenthesis inside $(...) closes nothing.
                    _frames.Pop();
                    return (i + 1, false);
                }
            }

            return (i + 1, IsBlank(c) || c is ';' or '&' or '|' or '(' or ')' or '<' or '>');
        }

        private static bool Keyword(string line, int i, string word) =>
            string.CompareOrdinal(line, i, word, 0, word.Length) == 0
            && (i + word.Length == line.Length || IsBlank(line[i + word.Length]) || line[i + word.Length] is ';' or '&' or '|' or ')' or '(');

        /// <summary>The delimiter word after a &lt;&lt; or &lt;&lt;- at <paramref name="i"/>, queued for the lines after this one.</summary>
        private int HereDocument(string line, int i)
        {
            var tabs = i < line.Length && line[i] == '-';
            i += tabs ? 1 : 0;
            while (i < line.Length && IsBlank(line[i]))
            {
                i++;
            }

            var start = i;
            while (i < line.Length && !IsBlank(line[i]) && line[i] is not (';' or '&' or '|' or '(' or ')' or '<' or '>'))
            {
                if (line[i] is '\'' or '"')
                {
                    var close = line.IndexOf(line[i], i + 1);
                    i = close < 0 ? line.Length : close + 1;
                }
                else
                {
                    i += line[i] == '\\' ? 2 : 1;
                }
            }

            i = Math.Min(i, line.Length);
            _pending.Enqueue((Unquote(line[start..i]), tabs));
            if (start == i)
            {
                // No delimiter: not something this scanner follows; the script stays as it is.
                _frames.Push(new Frame(Kind.Single));
            }

            return i;
        }

        private int Dollar(string line, int i)
        {
            if (i + 1 >= line.Length)
            {
                return i + 1;
            }

            switch (line[i + 1])
            {
                case '(' when i + 2 < line.Length && line[i + 2] == '(':
                    _frames.Push(new Frame(Kind.Arithmetic));
                    return i + 3;
                case '(':
                    _frames.Push(new Frame(Kind.Command));
                    return i + 2;
                case '{':
                    _frames.Push(new Frame(Kind.Parameter));
                    return i + 2;
                case '#' or '?' or '$' or '!' or '@' or '*' or '-' or (>= '0' and <= '9'):
                    return i + 2;
                default:
                    return i + 1;
            }
        }
    }
}
