using System.Text;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// The command-line arguments as the bytes they were given. .NET decodes argv as UTF-8 and turns
/// invalid bytes into U+FFFD; ssh passes them through, so the command words are taken again from
/// /proc/self/cmdline (NUL-terminated arguments, the program's own first) when one of them holds
/// a U+FFFD.
/// </summary>
internal static class RawArguments
{
    private const string CmdlinePath = "/proc/self/cmdline";

    private static string[] _args = [];

    /// <summary>Remembers the arguments Main was given; /proc is read only if a command needs it.</summary>
    public static void Capture(string[] args) => _args = args;

    /// <summary>
    /// The bytes of <paramref name="words"/> (the command words the parser found in this process's
    /// arguments) joined with spaces as ssh joins them; null when their text is exact already or
    /// the raw arguments cannot be told apart.
    /// </summary>
    public static byte[]? JoinedCommand(IReadOnlyList<string> words)
    {
        if (!words.Any(w => w.Contains('\uFFFD', StringComparison.Ordinal)))
        {
            return null;
        }

        byte[] cmdline;
        try
        {
            cmdline = File.ReadAllBytes(CmdlinePath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return Align(_args, Parse(cmdline)) is { } raw ? Join(words, _args, raw) : null;
    }

    /// <summary>Splits cmdline contents: every argument ends with a NUL (an empty one is a lone NUL).</summary>
    public static List<byte[]> Parse(ReadOnlySpan<byte> cmdline)
    {
        var arguments = new List<byte[]>();
        while (!cmdline.IsEmpty)
        {
            var end = cmdline.IndexOf((byte)0);
            if (end < 0)
            {
                arguments.Add(cmdline.ToArray()); // no terminator: the last argument as it is
                break;
            }

            arguments.Add(cmdline[..end].ToArray());
            cmdline = cmdline[(end + 1)..];
        }

        return arguments;
    }

    /// <summary>
    /// The raw bytes of each of <paramref name="args"/>: they are the last ones of the command line
    /// (before them come the program, and `dotnet` with its dll). Null when they do not match:
    /// every argument that is UTF-8 must decode to the same text.
    /// </summary>
    public static byte[][]? Align(IReadOnlyList<string> args, IReadOnlyList<byte[]> cmdline)
    {
        if (cmdline.Count < args.Count)
        {
            return null;
        }

        var raw = new byte[args.Count][];
        for (var i = 0; i < args.Count; i++)
        {
            var bytes = cmdline[cmdline.Count - args.Count + i];
            var matches = System.Text.Unicode.Utf8.IsValid(bytes)
                ? Encoding.UTF8.GetString(bytes) == args[i]
                : args[i].Contains('\uFFFD', StringComparison.Ordinal);
            if (!matches)
            {
                return null;
            }

            raw[i] = bytes;
        }

        return raw;
    }

    /// <summary>
    /// Finds the words in the arguments, in order, from the end (the words after `--` are the last
    /// arguments), and joins their raw bytes with spaces. Null when a word is not found.
    /// </summary>
    public static byte[]? Join(IReadOnlyList<string> words, IReadOnlyList<string> args, IReadOnlyList<byte[]> raw)
    {
        var found = new byte[words.Count][];
        var at = args.Count - 1;
        for (var w = words.Count - 1; w >= 0; w--)
        {
            while (at >= 0 && !string.Equals(args[at], words[w], StringComparison.Ordinal))
            {
                at--;
            }

            if (at < 0)
            {
                return null;
            }

            found[w] = raw[at--];
        }

        var joined = new List<byte>();
        for (var w = 0; w < found.Length; w++)
        {
            if (w > 0)
            {
                joined.Add((byte)' ');
            }

            joined.AddRange(found[w]);
        }

        return [.. joined];
    }
}
