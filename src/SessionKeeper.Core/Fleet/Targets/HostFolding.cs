using System.Globalization;
using System.Text;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// Folds host names into the range syntax <see cref="HostRange"/> expands, as ClusterShell's
/// <c>nodeset -f</c> folds node sets: <c>h1,h2,h3,h5</c> is <c>h[1-3,5]</c>, zero padding is kept
/// (<c>h[01-10]</c>), every run of digits is a dimension of its own (<c>r[1-2]n[1-3]</c>,
/// <c>h[1-3]-eth0</c>). Expanding the folded text with <see cref="Unfold"/> gives back exactly the
/// names folded (as a set); names that the range syntax could not give back (they hold a bracket
/// or a comma, or a number of more than 9 digits where it would be a range) are listed as they are.
/// </summary>
internal static class HostFolding
{
    /// <summary>The longest run of digits folded into a range: what <see cref="HostRangeNumbers"/> expands.</summary>
    private const int MaxDigits = 9;

    /// <summary>The names folded, comma-separated, in natural order of each group's first name.</summary>
    public static string Fold(IEnumerable<string> names) => string.Join(",", FoldGroups(names));

    /// <summary>The folded groups (each one a name or a pattern with ranges), in natural order of their first name.</summary>
    public static IReadOnlyList<string> FoldGroups(IEnumerable<string> names) => [.. FoldCounted(names).Select(g => g.Text)];

    /// <summary>The folded groups with the number of names each one stands for.</summary>
    public static IReadOnlyList<(string Text, int Count)> FoldCounted(IEnumerable<string> names)
    {
        var folded = new List<(string First, string Text, int Count)>();
        foreach (var shape in names.Distinct(StringComparer.Ordinal).GroupBy(Shape, StringComparer.Ordinal))
        {
            var members = shape.ToList();
            if (shape.Key.Length == 0)
            {
                folded.AddRange(members.Select(m => (m, m, 1)));
                continue;
            }

            var literals = Literals(members[0]);
            var rows = members.Select(m => new Row(m, Numbers(m))).ToList();
            folded.AddRange(FoldRows(rows, literals));
        }

        return [.. folded.OrderBy(f => f.First, NaturalOrder.Instance).Select(f => (f.Text, f.Count))];
    }

    /// <summary>
    /// The inverse of <see cref="Fold"/>: each comma-separated item (commas inside brackets
    /// belong to the brackets) expanded as a host range.
    /// </summary>
    /// <exception cref="TargetSyntaxException">An item is not a valid host pattern.</exception>
    public static IReadOnlyList<string> Unfold(string folded) =>
        [.. TargetSelector.SplitItems(folded).SelectMany(item => HostRange.Expand(item))];

    /// <summary>
    /// What names must share to fold together: their text with each run of digits replaced by
    /// '#'. Empty for a name that is never folded.
    /// </summary>
    private static string Shape(string name)
    {
        if (name.AsSpan().IndexOfAny("[],") >= 0 || !name.Any(char.IsAsciiDigit))
        {
            return "";
        }

        var shape = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            if (!char.IsAsciiDigit(name[i]))
            {
                shape.Append(name[i]);
                continue;
            }

            var start = i;
            while (i + 1 < name.Length && char.IsAsciiDigit(name[i + 1]))
            {
                i++;
            }

            if (i - start + 1 > MaxDigits)
            {
                return "";
            }

            shape.Append('#');
        }

        // A '#' is never in a host name, so the digits' places cannot be confused with text.
        return shape.ToString();
    }

    /// <summary>The text around the runs of digits: one more piece than there are runs.</summary>
    private static List<string> Literals(string name)
    {
        var pieces = new List<string>();
        var piece = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (!char.IsAsciiDigit(name[i]))
            {
                piece.Append(name[i]);
                continue;
            }

            while (i + 1 < name.Length && char.IsAsciiDigit(name[i + 1]))
            {
                i++;
            }

            pieces.Add(piece.ToString());
            piece.Clear();
        }

        pieces.Add(piece.ToString());
        return pieces;
    }

    private static string[] Numbers(string name)
    {
        var numbers = new List<string>();
        for (var i = 0; i < name.Length; i++)
        {
            if (!char.IsAsciiDigit(name[i]))
            {
                continue;
            }

            var start = i;
            while (i + 1 < name.Length && char.IsAsciiDigit(name[i + 1]))
            {
                i++;
            }

            numbers.Add(name[start..(i + 1)]);
        }

        return [.. numbers];
    }

    /// <summary>
    /// Folds names of one shape, last dimension first: names that differ only in their last run of
    /// digits become one row holding that dimension's range set; rows that then differ only in the
    /// run before it fold the same way, and so on to the first. Full grids fold to one pattern
    /// (<c>r[1-2]n[1-3]</c>); anything else to as few as this greedy pass finds.
    /// </summary>
    private static IEnumerable<(string First, string Text, int Count)> FoldRows(List<Row> rows, List<string> literals)
    {
        var dimensions = rows[0].Cells.Length;
        var current = rows.Select(r => (r.First, Cells: r.Cells.Select(c => new[] { c }).ToArray(), Count: 1)).ToList();
        for (var d = dimensions - 1; d >= 0; d--)
        {
            var dimension = d;
            current = [.. current
                .GroupBy(r => Key(r.Cells, dimension), StringComparer.Ordinal)
                .Select(g =>
                {
                    var first = g.Select(r => r.First).Min(NaturalOrder.Instance)!;
                    var cells = (string[][])g.First().Cells.Clone();
                    cells[dimension] = [.. g.SelectMany(r => r.Cells[dimension]).Distinct(StringComparer.Ordinal)];
                    return (first, cells, g.Sum(r => r.Count));
                })];
        }

        foreach (var (first, cells, count) in current)
        {
            var text = new StringBuilder(literals[0]);
            for (var d = 0; d < dimensions; d++)
            {
                text.Append(cells[d].Length == 1 ? cells[d][0] : "[" + RangeSet(cells[d]) + "]");
                text.Append(literals[d + 1]);
            }

            yield return (first, text.ToString(), count);
        }
    }

    /// <summary>A row's cells other than <paramref name="except"/>, each range set as folded text: what rows folding along that dimension share.</summary>
    private static string Key(string[][] cells, int except) =>
        string.Join("|", cells.Select((c, i) => i == except ? "*" : RangeSet(c)));

    /// <summary>
    /// One dimension's values as ranges: <c>1-3,5</c>, <c>01-10</c>. A run written with leading
    /// zeros keeps its width, and takes in the unpadded values of that width that continue it
    /// (<c>08,09,10</c> is <c>08-10</c>); unpadded values are never padded.
    /// </summary>
    internal static string RangeSet(IReadOnlyCollection<string> values)
    {
        if (values.Count == 1)
        {
            return values.First();
        }

        var padded = values.Where(IsPadded).ToList();
        var plain = new SortedSet<long>(values.Where(v => !IsPadded(v)).Select(Parse));
        var runs = new List<(long Begin, long End, int Width)>();
        foreach (var width in padded.Select(v => v.Length).Distinct().Order())
        {
            // One pass over this width's values in order: a run that holds a padded value is
            // written padded, and takes the unpadded values of the same width it holds with it.
            var own = padded.Where(v => v.Length == width).Select(Parse).ToHashSet();
            var taken = new List<long>();
            var run = new List<long>();
            var holdsOwn = false;
            foreach (var n in new SortedSet<long>(own.Concat(plain.Where(p => Digits(p) == width))))
            {
                if (run.Count > 0 && n != run[^1] + 1)
                {
                    Close();
                }

                run.Add(n);
                holdsOwn |= own.Contains(n);
            }

            Close();
            plain.ExceptWith(taken);

            void Close()
            {
                if (run.Count > 0 && holdsOwn)
                {
                    runs.Add((run[0], run[^1], width));
                    taken.AddRange(run.Where(n => !own.Contains(n)));
                }

                run.Clear();
                holdsOwn = false;
            }
        }

        runs.AddRange(Runs(plain).Select(r => (r.Begin, r.End, 0)));
        return string.Join(",", runs
            .OrderBy(r => r.Begin).ThenBy(r => r.Width)
            .Select(r => r.Begin == r.End ? Format(r.Begin, r.Width) : $"{Format(r.Begin, r.Width)}-{Format(r.End, r.Width)}"));
    }

    private static bool IsPadded(string value) => value.Length > 1 && value[0] == '0';

    private static long Parse(string value) => long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);

    private static int Digits(long n) => n.ToString(CultureInfo.InvariantCulture).Length;

    private static string Format(long n, int width) => n.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');

    private static IEnumerable<(long Begin, long End)> Runs(SortedSet<long> numbers)
    {
        long? begin = null;
        long end = 0;
        foreach (var n in numbers)
        {
            if (begin is not null && n == end + 1)
            {
                end = n;
                continue;
            }

            if (begin is { } b)
            {
                yield return (b, end);
            }

            (begin, end) = (n, n);
        }

        if (begin is { } last)
        {
            yield return (last, end);
        }
    }

    private sealed record Row(string First, string[] Cells);
}
