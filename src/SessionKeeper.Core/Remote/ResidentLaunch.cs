using System.Text;

namespace SessionKeeper.Core.Remote;

/// <summary>
/// A launch as the resident launcher takes it (keeper.pl's serve mode, see runner.sh's sk_serve):
/// recognised in the runner payload a client built for an exec channel, sent as one request line,
/// and answered with the very reply lines the runner's launch prints. Only a plain launch goes
/// there (the perl tier, no fault hook); everything else stays on an exec channel.
/// </summary>
internal sealed class ResidentLaunch
{
    /// <summary>What starts every line the resident launcher says of its own (never the runner's "@@SK2 ").</summary>
    public const string WordPrefix = "@@SKR ";

    /// <summary>Its first word: it reads requests now.</summary>
    public const string Ready = "ready";

    /// <summary>A request's word when the replies before it are the launch's (anything else: the runner's launch decides).</summary>
    public const string Launched = "launched";

    /// <summary>The longest request line the broker takes (a frame's own limit is far above it).</summary>
    private const int BrokerLineLimit = 8 << 20;

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private static readonly string[] Fields =
    [
        RequestVariables.Cookie, RequestVariables.Command, RequestVariables.WorkingDirectory, RequestVariables.Environment,
        RequestVariables.Shell, RequestVariables.Timeout, RequestVariables.Grace, RequestVariables.Stdin,
    ];

    private readonly IReadOnlyDictionary<string, byte[]> _fields;

    private ResidentLaunch(string id, IReadOnlyDictionary<string, byte[]> fields)
    {
        Id = id;
        _fields = fields;
        var line = new StringBuilder("launch ").Append(id);
        foreach (var name in Fields)
        {
            line.Append(" x").Append(Convert.ToHexStringLower(fields[name]));
        }

        Line = Encoding.ASCII.GetBytes(line.Append('\n').ToString());
    }

    public string Id { get; }

    /// <summary>The request line: "launch ID" and each field as "x" and its hex.</summary>
    public byte[] Line { get; }

    /// <summary>The payload that starts a resident launcher: the runner's serve verb with keeper.pl, ending after <paramref name="idle"/> without a request.</summary>
    public static byte[] ServePayload(TimeSpan idle) =>
        new RunnerRequest(Verbs.Serve)
            .Set(RequestVariables.Keeper, RunnerRequest.KeeperScript)
            .Set(RequestVariables.TimeToLive, (long)Math.Max(1, idle.TotalSeconds))
            .ToPayload();

    /// <summary>The launch in <paramref name="payload"/>, or null for any other request (or a launch the resident launcher does not do).</summary>
    public static ResidentLaunch? From(ReadOnlySpan<byte> payload)
    {
        if (RunnerRequest.ReadVariables(payload) is not { } variables
            || !variables.TryGetValue(RequestVariables.Verb, out var verb) || !verb.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(Verbs.Launch))
            || variables.ContainsKey(RequestVariables.Fault)
            || variables.ContainsKey(RequestVariables.Tier)
            || !variables.TryGetValue(RequestVariables.Keeper, out var keeper) || keeper.Length == 0
            || !variables.TryGetValue(RequestVariables.Id, out var idBytes))
        {
            return null;
        }

        var id = Encoding.UTF8.GetString(idBytes);
        if (!Jobs.JobId.IsValid(id))
        {
            return null;
        }

        var fields = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in Fields)
        {
            fields[name] = variables.TryGetValue(name, out var value) ? value : [];
        }

        return new ResidentLaunch(id, fields);
    }

    /// <summary>
    /// <paramref name="request"/> as the resident launcher takes it, without building the runner's
    /// payload (the daemon's broker rebuilds that, <see cref="ToPayload"/>, only when the launch goes
    /// over an exec channel); null for a launch with a fault hook, which only the runner knows.
    /// </summary>
    public static ResidentLaunch? Of(LaunchRequest request) =>
        request.Fault is null ? new ResidentLaunch(request.Id.ToString(), request.Fields()) : null;

    /// <summary>The launch a request line (<see cref="Line"/>) stands for, or null for anything else.</summary>
    public static ResidentLaunch? Parse(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty || line[^1] != (byte)'\n' || line.Length > BrokerLineLimit)
        {
            return null;
        }

        var words = Encoding.ASCII.GetString(line[..^1]).Split(' ');
        if (words.Length != Fields.Length + 2 || words[0] != "launch" || !Jobs.JobId.IsValid(words[1]))
        {
            return null;
        }

        var fields = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < Fields.Length; i++)
        {
            var word = words[i + 2];
            if (word.Length == 0 || word[0] != 'x' || word.Length % 2 == 0 || word.AsSpan(1).ContainsAnyExcept(LowerHex))
            {
                return null;
            }

            fields[Fields[i]] = Convert.FromHexString(word.AsSpan(1));
        }

        var launch = new ResidentLaunch(words[1], fields);
        return launch.Line.AsSpan().SequenceEqual(line) ? launch : null;
    }

    /// <summary>The runner's payload for this launch, byte for byte what <see cref="LaunchRequest.ToRunnerRequest()"/> makes of the request.</summary>
    public byte[] ToPayload() => LaunchRequest.ToRunnerRequest(Id, _fields).ToPayload();

    /// <summary>
    /// The reply of a launch whose two lines are read, the launched line and the job's status (a
    /// request's child prints them only on the launched path, once the job has exec'd), before the
    /// launcher's word; null until then.
    /// </summary>
    public static byte[]? Whole(IReadOnlyList<string> lines) =>
        lines.Count == 2
        && lines[0].StartsWith(Protocol.ReplyPrefix + ReplyTags.Launched + " ", StringComparison.Ordinal)
        && lines[1].StartsWith(Protocol.ReplyPrefix + ReplyTags.Status + " ", StringComparison.Ordinal)
            ? Reply(lines, Launched)
            : null;

    /// <summary>
    /// What the runner's launch would have printed, from the resident launcher's replies to one
    /// request (its "@@SK2 " lines) and its word; null when the word says the runner's launch must
    /// decide (nothing made, or not seen running).
    /// </summary>
    public static byte[]? Reply(IReadOnlyList<string> lines, string word)
    {
        if (word != Launched || lines.Count == 0)
        {
            return null;
        }

        var reply = new StringBuilder("\n");
        foreach (var line in lines)
        {
            reply.Append(line).Append('\n');
        }

        return Encoding.UTF8.GetBytes(reply.Append(Protocol.ReplyPrefix).Append(ReplyTags.End).Append('\n').ToString());
    }
}
