using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SessionKeeper.Core.Fleet.Targets;

/// <summary>Numeric ranges: <c>1-12</c>, and zero-padded <c>01-12</c> that keep their width.</summary>
internal static class HostRangeNumbers
{
    private const int MaxDigits = 9;

    public static bool TryAdd(string item, string begin, string end, int step, List<string> values, [NotNullWhen(false)] out string? error)
    {
        if (begin.Length > MaxDigits || end.Length > MaxDigits)
        {
            error = $"'{item}' has a bound longer than {MaxDigits} digits";
            return false;
        }

        // As Ansible: a bound written with a leading zero fixes the width, and both bounds must show it.
        var width = begin.Length > 1 && begin[0] == '0' ? begin.Length : 0;
        if (width > 0 && end.Length != width)
        {
            error = $"'{item}' is zero-padded to {width} digits, so its end must be too (such as {begin}-{new string('9', width)})";
            return false;
        }

        var first = int.Parse(begin, CultureInfo.InvariantCulture);
        var last = int.Parse(end, CultureInfo.InvariantCulture);
        if (first > last)
        {
            error = $"'{item}' runs backwards: {begin} is greater than {end}";
            return false;
        }

        var count = ((long)last - first) / step + 1;
        if (count + values.Count > HostRange.MaxHosts)
        {
            error = $"'{item}' expands to {count} values, more than the limit of {HostRange.MaxHosts}";
            return false;
        }

        for (long n = first; n <= last; n += step)
        {
            values.Add(n.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'));
        }

        error = null;
        return true;
    }
}
