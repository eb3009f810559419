using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace SessionKeeper.Core.Remote;

/// <summary>
/// Builds the bytes sent on the stdin of the constant remote command: the runner script, the
/// request as POSIX-quoted variables, and a call to sk_main, all inside one brace group so a
/// payload cut short is never executed in part.
/// </summary>
internal sealed partial class RunnerRequest
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
    private static readonly Lazy<string> Front = new(() => LoadResource("SessionKeeper.front.pl"));
    private static readonly Lazy<string> RunnerCore = new(() => WithoutLazyText(Runner.Value));

    /// <summary>The here-document that holds a perl-first payload's perl part (see <see cref="ToPayload"/>).</summary>
    internal const string PerlPartEnd = "SK_PERL_PART";

    /// <summary>
    /// What precedes the marker line in a perl-first payload's here-document: sh may read up to a
    /// buffer past the brace group before it execs perl (dash 8 KB, BusyBox ash 1 KB), bytes perl
    /// never sees; twice dash's buffer keeps the marker out of its reach.
    /// </summary>
    internal const int PerlFirstPadding = 16 * 1024;

    /// <summary>
    /// The largest whole payload sent perl-first: front.pl hands it to sh as one argument when sh
    /// is to serve the call, and Linux takes at most 128 KiB in one (MAX_ARG_STRLEN, its NUL
    /// included); perl's words and exit code are added then, well under the margin left.
    /// </summary>
    internal const int PerlFirstLimit = 128 * 1024 - 2048;

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

    /// <summary>The runner as a perl-first payload's first part sends it: without its lazy text (see <see cref="WithoutLazyText"/>).</summary>
    public static string RunnerCoreScript => RunnerCore.Value;

    /// <summary>front.pl: the perl-first run's front (see <see cref="ToPayload"/>).</summary>
    public static string FrontScript => Front.Value;

    /// <summary>
    /// <paramref name="runner"/> as built without its lazy text: the statements that give
    /// sk_lazy_text its parts (the build quotes the functions between sk-lazy-begin and sk-lazy-end
    /// lines into them). Each starts a line: the name, "=", optionally "$sk_lazy_text", then quoted
    /// segments ('...' or \') up to the newline that ends it.
    /// </summary>
    internal static string WithoutLazyText(string runner)
    {
        var core = LazyTextStatement().Replace(runner, "");
        return core.Length < runner.Length ? core : throw new InvalidOperationException("runner.sh as built has no lazy text");
    }

    [GeneratedRegex(@"^sk_lazy_text=(?:\$sk_lazy_text)?(?:'[^']*'|\\')+\n", RegexOptions.Multiline)]
    private static partial Regex LazyTextStatement();

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

    /// <summary>
    /// The bytes sent on the channel's stdin. A run request goes perl-first where it can
    /// (<see cref="PerlFirstPayload"/>); every other request, and a run that cannot, as the runner,
    /// its variables and a call to sk_main in one brace group.
    /// </summary>
    public byte[] ToPayload() => PerlFirstPayload() ?? Payload(Runner.Value, _ => true, "sk_main\nexit\n");

    private byte[] Payload(string runner, Func<string, bool> sends, string call)
    {
        using var payload = new MemoryStream(runner.Length + 4096);
        payload.Write(Encoding.UTF8.GetBytes("{\n" + runner + "\n"));
        foreach (var (name, quoted) in _variables.Where(v => sends(v.Key)))
        {
            payload.Write(Encoding.UTF8.GetBytes(name + "="));
            payload.Write(quoted);
            payload.WriteByte((byte)'\n');
        }

        // exit: a stream's stdin stays open for credit lines, which must never be read as commands.
        payload.Write(Encoding.UTF8.GetBytes(call + "}\n"));
        return payload.ToArray();
    }

    /// <summary>
    /// A run request as sent perl-first, or null where it cannot go so: another verb, a test's
    /// fault hook or tier, scripts other than this build's, or a payload too large for front.pl
    /// to hand to sh as one argument. Three parts, read by the target's sh in turn:
    /// <list type="number">
    /// <item>A brace group: the runner without its lazy text (<see cref="RunnerCoreScript"/>, about
    /// 6 KB), the request's variables but for the scripts, SK_FIRST=1 and a call to sk_first. Where
    /// perl exists, sk_first execs it (the run verb's checks in sh first, as sk_run_fast makes
    /// them) with SK_FIRST_BOOT, which reads the rest from the channel; sh never parses the other
    /// 65 KB, nor copies the perl tools' 25 KB into variables, which was most of its work on a
    /// run. Without perl sk_first returns, having said nothing, and sh reads on.</item>
    /// <item>A here-document that sh skips: <see cref="PerlFirstPadding"/> bytes of padding, the
    /// marker line "@@SKP N F K S", and the N bytes perl reads after it: front.pl (F), keeper.pl as
    /// launches send it (K), stream.pl (S), the here-document's end line, then the third part.</item>
    /// <item>The whole payload as sent otherwise, but for SK_KEEPER and SK_STREAM_TOOL (front.pl
    /// adds them where perl hands the call to sh; without perl nothing uses them).</item>
    /// </list>
    /// </summary>
    private byte[]? PerlFirstPayload()
    {
        byte[]? Value(string name) => _variables.Where(v => v.Key == name).Select(v => v.Value).FirstOrDefault();
        var (quotedKeeper, quotedStream) = QuotedPerlTools.Value;
        if (Verb != Verbs.Run || Value(RequestVariables.Fault) is not null || Value(RequestVariables.Tier) is not null
            || Value(RequestVariables.Keeper) is not { } keeperSent || !keeperSent.AsSpan().SequenceEqual(quotedKeeper)
            || Value(RequestVariables.StreamTool) is not { } streamSent || !streamSent.AsSpan().SequenceEqual(quotedStream))
        {
            return null;
        }

        bool Tool(string name) => name is RequestVariables.Keeper or RequestVariables.StreamTool;
        var whole = Payload(Runner.Value, name => !Tool(name), "sk_main\nexit\n");
        // The whole payload as front.pl hands it to sh: with the tools' two variables.
        if (whole.Length + _variables.Where(v => Tool(v.Key)).Sum(v => v.Key.Length + 2 + v.Value.Length) > PerlFirstLimit)
        {
            return null;
        }

        var first = Payload(RunnerCore.Value, name => !Tool(name) && name != RequestVariables.Wrapper, RequestVariables.First + "=1\nsk_first\n");
        var (front, keeper, stream) = PerlParts.Value;
        var end = Encoding.UTF8.GetBytes(PerlPartEnd + "\n");
        using var payload = new MemoryStream(first.Length + PerlFirstPadding + front.Length + keeper.Length + stream.Length + whole.Length + 256);
        payload.Write(first);
        payload.Write(Encoding.UTF8.GetBytes(": <<'" + PerlPartEnd + "'\n"));
        payload.Write(Padding.Value);
        var body = front.Length + keeper.Length + stream.Length + end.Length + whole.Length;
        payload.Write(Encoding.UTF8.GetBytes(FormattableString.Invariant($"@@SKP {body} {front.Length} {keeper.Length} {stream.Length}\n")));
        payload.Write(front);
        payload.Write(keeper);
        payload.Write(stream);
        payload.Write(end);
        payload.Write(whole);
        return payload.ToArray();
    }

    /// <summary>front.pl, keeper.pl as launches send it and stream.pl, as a perl-first payload holds them: each ends its last line, and none has a line that would end the here-document.</summary>
    private static readonly Lazy<(byte[] Front, byte[] Keeper, byte[] Stream)> PerlParts = new(() =>
    {
        byte[] Part(string text)
        {
            text = text.EndsWith('\n') ? text : text + "\n";
            if (("\n" + text).Contains("\n" + PerlPartEnd + "\n", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"a perl script as built has a line {PerlPartEnd}, which would end its here-document");
            }

            return Encoding.UTF8.GetBytes(text);
        }

        return (Part(Front.Value), Part(KeeperLaunch.Value), Part(StreamTool.Value));
    });

    /// <summary>keeper.pl as launches send it and stream.pl, quoted as a request's variables carry them.</summary>
    private static readonly Lazy<(byte[] Keeper, byte[] Stream)> QuotedPerlTools = new(() =>
        (ShellQuote.Quote(Encoding.UTF8.GetBytes(KeeperLaunch.Value)), ShellQuote.Quote(Encoding.UTF8.GetBytes(StreamTool.Value))));

    private static readonly Lazy<byte[]> Padding = new(() =>
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(new string('.', 127) + "\n", PerlFirstPadding / 128))));

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
