using System.Reflection;
using System.Text;

namespace SessionKeeper.Core.Remote;

/// <summary>
/// Builds the bytes sent on the stdin of the constant remote command: the runner script, the
/// request as POSIX-quoted variables, and a call to sk_main, all inside one brace group so a
/// payload cut short is never executed in part.
/// </summary>
internal sealed class RunnerRequest
{
    /// <summary>The only command the login shell ever sees.</summary>
    public const string RemoteCommand = "exec /bin/sh -s";

    // Embedded as sent: without comments and blank lines (see the project file).
    private static readonly Lazy<string> Runner = new(() => LoadResource("SessionKeeper.runner.sh"));
    private static readonly Lazy<string> Wrapper = new(() => LoadResource("SessionKeeper.wrapper.sh"));
    private static readonly Lazy<string> Keeper = new(() => LoadResource("SessionKeeper.keeper.pl"));
    private static readonly Lazy<string> AdoptTool = new(() => LoadResource("SessionKeeper.adopt.pl"));
    private static readonly Lazy<string> StreamTool = new(() => LoadResource("SessionKeeper.stream.pl"));
    private static readonly Lazy<string> KeeperLaunch = new(() => WithoutServeText(Keeper.Value));

    private readonly List<KeyValuePair<string, byte[]>> _variables = [];

    public RunnerRequest(string verb)
    {
        Verb = verb;
        Set(RequestVariables.Verb, verb);
    }

    public string Verb { get; }

    /// <summary>The runner as sent (the start of every payload).</summary>
    public static string RunnerScript => Runner.Value;

    public static string WrapperScript => Wrapper.Value;

    /// <summary>The wrapper's fast tier (perl, sent with launch requests; the runner falls back to <see cref="WrapperScript"/> without perl).</summary>
    public static string KeeperScript => Keeper.Value;

    /// <summary>
    /// keeper.pl as launch and run requests send it: <see cref="KeeperScript"/> without its serve
    /// text (the resident launcher's and watcher's subs, compiled in serve mode only). A run's
    /// target reads every byte of its payload through sh, and these 6 KB cost it about a third of a
    /// million instructions there for nothing.
    /// </summary>
    public static string KeeperLaunchScript => KeeperLaunch.Value;

    /// <summary>The ptrace tool that protects an adopted process (perl, sent with adopt requests only).</summary>
    public static string AdoptToolScript => AdoptTool.Value;

    /// <summary>The stream helper's fast tier (perl, sent with stream requests; the runner falls back to sh without perl).</summary>
    public static string StreamToolScript => StreamTool.Value;

    public RunnerRequest Set(string name, string value) => Set(name, Encoding.UTF8.GetBytes(value));

    /// <summary>
    /// <paramref name="keeper"/> with its serve text (the here-document <c>$serve_text</c>) left
    /// undefined: lazy_subs then compiles nothing for it, and serve mode would die at once.
    /// </summary>
    internal static string WithoutServeText(string keeper)
    {
        const string Start = "my $serve_text = <<'LAZY';\n";
        const string End = "\nLAZY\n";
        var from = keeper.IndexOf(Start, StringComparison.Ordinal);
        var to = from < 0 ? -1 : keeper.IndexOf(End, from + Start.Length, StringComparison.Ordinal);
        if (to < 0)
        {
            throw new InvalidOperationException("keeper.pl as built has no serve text to leave out");
        }

        return string.Concat(keeper.AsSpan(0, from), "my $serve_text;\n", keeper.AsSpan(to + End.Length));
    }

    /// <summary>A value of any bytes but NUL: single quotes keep them as they are, valid UTF-8 or not.</summary>
    public RunnerRequest Set(string name, byte[] value)
    {
        _variables.RemoveAll(v => v.Key == name);
        _variables.Add(new(name, ShellQuote.Quote(value)));
        return this;
    }

    /// <summary>One request of verb <paramref name="verb"/> that carries the variables of every part (a later part's value wins).</summary>
    public static RunnerRequest Combined(string verb, params RunnerRequest[] parts)
    {
        var request = new RunnerRequest(verb);
        foreach (var variable in parts.SelectMany(p => p._variables).Where(v => v.Key != RequestVariables.Verb))
        {
            request._variables.RemoveAll(v => v.Key == variable.Key);
            request._variables.Add(variable);
        }

        return request;
    }

    public RunnerRequest Set(string name, long value) => Set(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public byte[] ToPayload()
    {
        using var payload = new MemoryStream(Runner.Value.Length + 4096);
        payload.Write(Encoding.UTF8.GetBytes("{\n" + Runner.Value + "\n"));
        foreach (var (name, quoted) in _variables)
        {
            payload.Write(Encoding.UTF8.GetBytes(name + "="));
            payload.Write(quoted);
            payload.WriteByte((byte)'\n');
        }

        // exit: a stream's stdin stays open for credit lines, which must never be read as commands.
        payload.Write("sk_main\nexit\n}\n"u8);
        return payload.ToArray();
    }

    /// <summary>
    /// The variables of a payload <see cref="ToPayload"/> made with this build's runner (the daemon
    /// reads a CLI's request this way: both are one build), or null for anything else.
    /// </summary>
    public static Dictionary<string, byte[]>? ReadVariables(ReadOnlySpan<byte> payload)
    {
        var prefix = RunnerPrefix.Value;
        var suffix = "sk_main\nexit\n}\n"u8;
        if (!payload.StartsWith(prefix) || !payload.EndsWith(suffix) || payload.Length < prefix.Length + suffix.Length)
        {
            return null;
        }

        var body = payload[prefix.Length..^suffix.Length];
        var variables = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var value = new List<byte>();
        while (!body.IsEmpty)
        {
            var eq = body.IndexOf((byte)'=');
            if (eq <= 0 || body[..eq].ContainsAnyExcept(NameBytes))
            {
                return null;
            }

            var name = Encoding.ASCII.GetString(body[..eq]);
            body = body[(eq + 1)..];
            value.Clear();
            while (!body.IsEmpty && body[0] != (byte)'\n')
            {
                if (body[0] == (byte)'\'')
                {
                    var close = body[1..].IndexOf((byte)'\'');
                    if (close < 0)
                    {
                        return null;
                    }

                    value.AddRange(body.Slice(1, close));
                    body = body[(close + 2)..];
                }
                else if (body.StartsWith("\\'"u8))
                {
                    value.Add((byte)'\'');
                    body = body[2..];
                }
                else
                {
                    return null;
                }
            }

            if (body.IsEmpty)
            {
                return null;
            }

            body = body[1..];
            variables[name] = [.. value];
        }

        return variables;
    }

    private static readonly Lazy<byte[]> RunnerPrefix = new(() => Encoding.UTF8.GetBytes("{\n" + Runner.Value + "\n"));

    private static readonly System.Buffers.SearchValues<byte> NameBytes = System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"u8);

    private static string LoadResource(string name)
    {
        using var stream = typeof(RunnerRequest).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"resource {name} missing from {Assembly.GetExecutingAssembly().FullName}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
