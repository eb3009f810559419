using System.Globalization;
using System.Text;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>Checks "seq N ..." lines: every number from 0 to the last exactly once, in order.</summary>
public sealed record SequenceLines(int Count, int Highest, int Lost, int Duplicated, int OutOfOrder)
{
    /// <summary>A shell loop printing "seq N" plus padding, <paramref name="perBurst"/> lines per burst, until <paramref name="stopFile"/> exists.</summary>
    public static string JobUntil(string stopFile, int perBurst, string pause, int exitCode) =>
        $"i=0; while [ ! -e '{stopFile}' ]; do j=0; while [ $j -lt {perBurst} ]; do "
        + "echo \"seq $i abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789\"; "
        + $"i=$((i+1)); j=$((j+1)); done; sleep {pause}; done; echo \"end $i\"; exit {exitCode}";

    public static SequenceLines Analyze(byte[] output)
    {
        var seen = new Dictionary<int, int>();
        int count = 0, highest = -1, outOfOrder = 0, previous = -1;
        foreach (var line in Encoding.UTF8.GetString(output).Split('\n'))
        {
            if (!line.StartsWith("seq ", StringComparison.Ordinal))
            {
                continue;
            }

            var n = int.Parse(line.AsSpan(4, line.IndexOf(' ', 4) - 4), CultureInfo.InvariantCulture);
            count++;
            seen[n] = seen.GetValueOrDefault(n) + 1;
            highest = Math.Max(highest, n);
            if (n != previous + 1)
            {
                outOfOrder++;
            }

            previous = n;
        }

        var lost = Enumerable.Range(0, highest + 1).Count(n => !seen.ContainsKey(n));
        var duplicated = seen.Values.Sum(c => c - 1);
        return new SequenceLines(count, highest, lost, duplicated, outOfOrder);
    }
}
