namespace SessionKeeper.Build;

internal static partial class ScriptStripper
{
    /// <summary>
    /// A perl program without its comment lines, blank lines and the blanks at its lines' ends (a
    /// first line's #! stays, its switches count); <paramref name="program"/> itself where it has
    /// POD, a format or a construct the scanner does not close. After __END__ or __DATA__ nothing
    /// changes. A here-document &lt;&lt;'LAZY' is perl code compiled on first need (the tools' text
    /// evaluated by a sub of theirs, see keeper.pl): its lines are stripped as a program of their own,
    /// unless a line of it would then end the here-document early.
    /// </summary>
    public static string Perl(string program)
    {
        if (program.Contains('\r', StringComparison.Ordinal))
        {
            return program;
        }

        var scanner = new PerlScanner();
        var kept = new List<string>();
        var lines = Lines(program);
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            if (scanner.InLazyCode)
            {
                var end = Array.IndexOf(lines, LazyWord, n);
                if (end < 0)
                {
                    return program;
                }

                var body = lines[n..end];
                var stripped = Lines(Perl(Join([.. body])));
                kept.AddRange(stripped.Contains(LazyWord) ? body : stripped);
                scanner.HereDocumentLine(lines[end]);
                kept.Add(lines[end]);
                n = end;
                continue;
            }

            if (scanner.AtData || scanner.InHereDocument)
            {
                scanner.HereDocumentLine(line);
                kept.Add(line);
                continue;
            }

            if (scanner.InCode)
            {
                if ((line.Length > 1 && line[0] == '=' && char.IsAsciiLetter(line[1])) || IsFormat(line))
                {
                    return program;
                }

                line = TrimStartBlanks(line);
                if (line.Length == 0 || (line[0] == '#' && !(n == 0 && line.StartsWith("#!", StringComparison.Ordinal))))
                {
                    continue;
                }

                // "=word" at a line's start would begin POD.
                line = line[0] == '=' ? " " + line : line;
            }

            if (!scanner.Scan(line))
            {
                return program;
            }

            kept.Add(scanner.InCode ? TrimEndBlanks(line) : line);
        }

        return scanner.Closed ? Join(kept) : program;
    }

    /// <summary>The word that ends a here-document of perl code compiled on first need, quoted with single quotes.</summary>
    public const string LazyWord = "LAZY";

    private static bool IsFormat(string line)
    {
        var text = TrimStartBlanks(line);
        return text.StartsWith("format", StringComparison.Ordinal) && (text.Length == 6 || !IsWordChar(text[6])) && text.TrimEnd().EndsWith('=');
    }

    /// <summary>Follows strings, quote-like operators, regular expressions and here-documents from line to line.</summary>
    private sealed class PerlScanner
    {
        private static readonly HashSet<string> QuoteOperators = ["q", "qq", "qw", "qr", "m", "s", "tr", "y"];

        /// <summary>Words after which a / starts a pattern, not a division.</summary>
        private static readonly HashSet<string> OperatorWords =
        [
            "and", "or", "not", "xor", "if", "elsif", "unless", "while", "until", "return", "split", "grep", "map",
            "join", "push", "unshift", "when", "lt", "gt", "le", "ge", "eq", "ne", "cmp", "x", "print", "die", "warn",
        ];

        private readonly Queue<(string Word, bool Indented, bool Code)> _pending = new();
        private readonly Queue<(string Word, bool Indented, bool Code)> _bodies = new();

        // The open string: its closing delimiter, its opening one when it nests, the depth, and the parts left (s and tr have two).
        private char _close;
        private char _open;
        private int _depth;
        private int _parts;
        private bool _awaitingPart;
        private bool _modifiers;
        private bool _operand;

        public bool InHereDocument => _bodies.Count > 0;

        /// <summary>At the first line of a here-document &lt;&lt;'LAZY' (perl code, not interpolated).</summary>
        public bool InLazyCode => _bodies.TryPeek(out var body) && body.Code;

        public bool AtData { get; private set; }

        public bool InCode => _parts == 0 && !_awaitingPart;

        public bool Closed => InCode && _pending.Count == 0 && _bodies.Count == 0;

        public void HereDocumentLine(string line)
        {
            if (AtData)
            {
                return;
            }

            var (word, indented, _) = _bodies.Peek();
            if ((indented ? line.Trim(' ', '\t') : line) == word)
            {
                _bodies.Dequeue();
            }
        }

        /// <summary>False for what this scanner does not follow.</summary>
        public bool Scan(string line)
        {
            var i = 0;
            while (i < line.Length)
            {
                if (_awaitingPart)
                {
                    if (IsBlank(line[i]))
                    {
                        i++;
                        continue;
                    }

                    if (line[i] == '#')
                    {
                        return false;
                    }

                    _awaitingPart = false;
                    Open(line[i]);
                    i++;
                }
                else if (_parts > 0)
                {
                    i = InString(line, i);
                }
                else
                {
                    var next = Code(line, i);
                    if (next < 0)
                    {
                        return false;
                    }

                    i = next;
                }
            }

            if (_pending.Count > 0)
            {
                while (_pending.TryDequeue(out var body))
                {
                    _bodies.Enqueue(body);
                }
            }

            return true;
        }

        private void Open(char delimiter)
        {
            _open = delimiter;
            _close = delimiter switch
            {
                '(' => ')',
                '[' => ']',
                '{' => '}',
                '<' => '>',
                _ => delimiter,
            };
            _depth = 0;
        }

        private int InString(string line, int i)
        {
            var c = line[i];
            if (c == '\\')
            {
                return i + 2;
            }

            if (c == _close && _depth == 0)
            {
                _parts--;
                i++;
                if (_parts > 0)
                {
                    // s and tr: with brackets a second pair follows (s{a}{b}), else the same delimiter goes on (s/a/b/).
                    _awaitingPart = _open != _close;
                    return i;
                }

                while (_modifiers && i < line.Length && char.IsAsciiLetter(line[i]))
                {
                    i++;
                }

                _operand = true;
                return i;
            }

            if (_open != _close && c == _open)
            {
                _depth++;
            }
            else if (_open != _close && c == _close)
            {
                _depth--;
            }

            return i + 1;
        }

        private int Code(string line, int i)
        {
            var c = line[i];
            if (IsBlank(c))
            {
                return i + 1;
            }

            if (c == '#')
            {
                return line.Length;
            }

            if (c is '\'' or '"' or '`')
            {
                _modifiers = false;
                _parts = 1;
                Open(c);
                return i + 1;
            }

            if (c == '/' && !_operand)
            {
                _modifiers = true;
                _parts = 1;
                Open(c);
                return i + 1;
            }

            if (c == '/')
            {
                // A division, or // (defined-or).
                _operand = false;
                return i + 1 < line.Length && line[i + 1] == '/' ? i + 2 : i + 1;
            }

            if (c is '$' or '@' or '%' or '&' or '*')
            {
                return Sigil(line, i);
            }

            if (char.IsAsciiDigit(c))
            {
                while (i < line.Length && (IsWordChar(line[i]) || (line[i] == '.' && i + 1 < line.Length && char.IsAsciiDigit(line[i + 1]))))
                {
                    i++;
                }

                _operand = true;
                return i;
            }

            if (char.IsAsciiLetter(c) || c == '_')
            {
                return Word(line, i);
            }

            if (c == '<' && i + 1 < line.Length && line[i + 1] == '<' && !_operand)
            {
                return HereDocument(line, i + 2);
            }

            if (c == '<' && !_operand && line.IndexOf('>', i) is var end and > 0 && line[(i + 1)..end].All(ch => IsWordChar(ch) || ch is '$' or ':'))
            {
                // <STDIN>, <$fh>
                _operand = true;
                return end + 1;
            }

            if (c == '-' && i + 1 < line.Length && line[i + 1] == '>')
            {
                _operand = false;
                return MethodOrSubscript(line, i + 2);
            }

            _operand = c is ')' or ']' or '}';
            return i + 1;
        }

        /// <summary>After "->": a method's name is never a quote-like operator.</summary>
        private int MethodOrSubscript(string line, int i)
        {
            var start = i;
            while (i < line.Length && IsWordChar(line[i]))
            {
                i++;
            }

            _operand = i > start;
            return i;
        }

        private int Sigil(string line, int i)
        {
            var c = line[i];
            var next = i + 1 < line.Length ? line[i + 1] : '\0';
            if (c != '$' && (_operand || !(IsWordChar(next) || next is '$' or '{' or ':')))
            {
                // An operator: % & * between operands, or a sigil this scanner need not follow.
                _operand = false;
                return i + 1;
            }

            i++;
            while (i < line.Length && line[i] == '$')
            {
                i++;
            }

            if (c == '$' && i < line.Length && line[i] == '#')
            {
                i++;
            }

            var start = i;
            while (i < line.Length && (IsWordChar(line[i]) || (line[i] == ':' && i + 1 < line.Length && line[i + 1] == ':')))
            {
                i += line[i] == ':' ? 2 : 1;
            }

            if (i == start && c == '$' && i < line.Length && line[i] is not ('{' or ' ' or '\t') && line[i - 1] != '#')
            {
                // A punctuation variable: $' $" $/ $; $) ...
                i++;
            }

            _operand = true;
            return i;
        }

        private int Word(string line, int i)
        {
            var start = i;
            while (i < line.Length && (IsWordChar(line[i]) || (line[i] == ':' && i + 1 < line.Length && line[i + 1] == ':')))
            {
                i += line[i] == ':' ? 2 : 1;
            }

            var word = line[start..i];
            if (word is "__END__" or "__DATA__")
            {
                AtData = true;
                return line.Length;
            }

            var fileTest = word.Length == 1 && start > 0 && line[start - 1] == '-';
            if (QuoteOperators.Contains(word) && !fileTest)
            {
                var j = i;
                while (j < line.Length && IsBlank(line[j]))
                {
                    j++;
                }

                if (j == line.Length)
                {
                    // The delimiter on another line: not followed.
                    return -1;
                }

                var d = line[j];
                var bareword = d is ',' or ';' or ')' or '}' || (d == '=' && j + 1 < line.Length && line[j + 1] == '>');
                if (!bareword)
                {
                    if (j > i && (d == '#' || IsWordChar(d)))
                    {
                        return -1;
                    }

                    _modifiers = word is not ("q" or "qq" or "qw");
                    _parts = word is "s" or "tr" or "y" ? 2 : 1;
                    Open(d);
                    return j + 1;
                }
            }

            _operand = !(OperatorWords.Contains(word) || fileTest);
            return i;
        }

        private int HereDocument(string line, int i)
        {
            var indented = i < line.Length && line[i] == '~';
            i += indented ? 1 : 0;
            var quote = i;
            while (quote < line.Length && IsBlank(line[quote]))
            {
                quote++;
            }

            // << "EOF" (a blank before a quoted word) is a here-document too.
            i = quote < line.Length && line[quote] is '"' or '\'' ? quote : i;
            string word;
            var code = false;
            if (i < line.Length && line[i] is '"' or '\'')
            {
                var close = line.IndexOf(line[i], i + 1);
                if (close < 0)
                {
                    return -1;
                }

                word = line[(i + 1)..close];
                code = line[i] == '\'' && word == LazyWord && !indented;
                i = close + 1;
            }
            else if (i < line.Length && (char.IsAsciiLetter(line[i]) || line[i] == '_'))
            {
                var start = i;
                while (i < line.Length && IsWordChar(line[i]))
                {
                    i++;
                }

                word = line[start..i];
            }
            else
            {
                // A shift.
                _operand = false;
                return i;
            }

            _pending.Enqueue((word, indented, code));
            _operand = true;
            return i;
        }
    }
}
