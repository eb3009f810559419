using System.Globalization;
using System.Text;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>Minimal, tolerant /proc reader (processes may vanish between two reads).</summary>
public static class ProcFs
{
    public static IReadOnlyList<ProcStat> Snapshot()
    {
        var result = new List<ProcStat>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && TryReadStat(pid) is { } stat)
            {
                result.Add(stat);
            }
        }

        return result;
    }

    public static ProcStat? TryReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return ParseStat(pid, text);
    }

    /// <summary>Parses a stat line; the command name may contain spaces and ')' so split after the last ')'.</summary>
    public static ProcStat? ParseStat(int pid, string text)
    {
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open || close + 2 > text.Length)
        {
            return null;
        }

        var fields = text[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20
            || !int.TryParse(fields[1], CultureInfo.InvariantCulture, out var ppid)
            || !int.TryParse(fields[2], CultureInfo.InvariantCulture, out var pgrp)
            || !long.TryParse(fields[19], CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }

        return new ProcStat(pid, text[(open + 1)..close], fields[0][0], ppid, pgrp, start);
    }

    /// <summary>argv joined by spaces (sshd rewrites it to titles such as "sshd: user@notty").</summary>
    public static string ReadCommandLine(int pid)
    {
        try
        {
            var bytes = File.ReadAllBytes($"/proc/{pid}/cmdline");
            return Encoding.UTF8.GetString(bytes).Replace('\0', ' ').TrimEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>True when the process environment holds exactly <paramref name="entry"/> (NAME=value).</summary>
    public static bool EnvironmentContains(int pid, string entry)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes($"/proc/{pid}/environ");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        var needle = Encoding.UTF8.GetBytes(entry);
        foreach (var range in bytes.AsSpan().Split((byte)0))
        {
            if (bytes.AsSpan(range).SequenceEqual(needle))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>All descendants of <paramref name="rootPid"/> in <paramref name="snapshot"/>, parents first.</summary>
    public static IReadOnlyList<ProcStat> Descendants(int rootPid, IReadOnlyList<ProcStat> snapshot)
    {
        var byParent = snapshot.ToLookup(s => s.ParentPid);
        var result = new List<ProcStat>();
        var queue = new Queue<int>();
        queue.Enqueue(rootPid);
        while (queue.Count > 0)
        {
            foreach (var child in byParent[queue.Dequeue()])
            {
                result.Add(child);
                queue.Enqueue(child.Pid);
            }
        }

        return result;
    }

    /// <summary>True when (pid, start time) still names a live, non-zombie process.</summary>
    public static bool IsAlive(int pid, long startTime) =>
        TryReadStat(pid) is { } stat && stat.StartTime == startTime && !stat.IsZombie;
}
