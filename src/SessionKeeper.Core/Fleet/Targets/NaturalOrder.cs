namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>
/// Host names in the order a person expects: runs of digits compare as numbers, so <c>h2</c> comes
/// before <c>h10</c>, and the rest compares ordinally. Names are never rewritten: <c>h01</c> and
/// <c>h1</c> stay what they are; when only padding tells two names apart, the shorter digit run
/// comes first, so the order is total and the same on every run.
/// </summary>
internal sealed class NaturalOrder : IComparer<string?>
{
    public static readonly NaturalOrder Instance = new();

    private NaturalOrder()
    {
    }

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var padding = 0; // the first difference in padding alone, used only when all else is equal
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var (xStart, yStart) = (i, j);
                while (i < x.Length && char.IsAsciiDigit(x[i]))
                {
                    i++;
                }

                while (j < y.Length && char.IsAsciiDigit(y[j]))
                {
                    j++;
                }

                var byNumber = CompareNumbers(x.AsSpan(xStart, i - xStart), y.AsSpan(yStart, j - yStart));
                if (byNumber != 0)
                {
                    return byNumber;
                }

                if (padding == 0)
                {
                    padding = (i - xStart).CompareTo(j - yStart);
                }

                continue;
            }

            var byChar = x[i].CompareTo(y[j]);
            if (byChar != 0)
            {
                return byChar;
            }

            i++;
            j++;
        }

        var byLength = (x.Length - i).CompareTo(y.Length - j);
        return byLength != 0 ? byLength : padding != 0 ? padding : string.CompareOrdinal(x, y);
    }

    /// <summary>Two runs of digits by value, however long (no overflow): leading zeros dropped, then the longer is larger.</summary>
    private static int CompareNumbers(ReadOnlySpan<char> x, ReadOnlySpan<char> y)
    {
        x = x.TrimStart('0');
        y = y.TrimStart('0');
        return x.Length != y.Length ? x.Length.CompareTo(y.Length) : x.SequenceCompareTo(y);
    }
}
