using System.Globalization;
using System.Text;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// A job printing "seq N" lines in bursts until a stop file exists, then "end N" and an exit code;
/// and the check of a copy of its output: every number once, in order, and the end line.
/// </summary>
public sealed record SequenceJob(int Lines, int Lost, int Duplicated, int OutOfOrder, bool Ended)
{
    public bool IsPerfect => Lines > 0 && Lost == 0 && Duplicated == 0 && OutOfOrder == 0 && Ended;

    public static string Command(string stopFile, int exitCode, int perBurst = 5, string pause = "0.05") =>
        $"i=0; while [ ! -e '{stopFile}' ]; do j=0; while [ $j -lt {perBurst} ]; do "
        + "echo \"seq $i abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\"; "
        + $"i=$((i+1)); j=$((j+1)); done; sleep {pause}; done; echo \"end $i\"; exit {exitCode}";

    public static SequenceJob Analyze(byte[] output)
    {
        var seen = new Dictionary<int, int>();
        int lines = 0, highest = -1, outOfOrder = 0, previous = -1;
        var ended = false;
        foreach (var line in Encoding.UTF8.GetString(output).Split('\n'))
        {
            if (line.StartsWith("end ", StringComparison.Ordinal))
            {
                ended = int.Parse(line.AsSpan(4), CultureInfo.InvariantCulture) == highest + 1;
                continue;
            }

            if (!line.StartsWith("seq ", StringComparison.Ordinal))
            {
                continue;
            }

            var n = int.Parse(line.AsSpan(4, line.IndexOf(' ', 4) - 4), CultureInfo.InvariantCulture);
            lines++;
            seen[n] = seen.GetValueOrDefault(n) + 1;
            highest = Math.Max(highest, n);
            outOfOrder += n == previous + 1 ? 0 : 1;
            previous = n;
        }

        var lost = Enumerable.Range(0, highest + 1).Count(n => !seen.ContainsKey(n));
        return new SequenceJob(lines, lost, seen.Values.Sum(c => c - 1), outOfOrder, ended);
    }
}
