using System.Text;
using System.Text.RegularExpressions;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// runner.sh and <see cref="Protocol"/> spell the same protocol twice; these read the script the
/// client really sends and fail when the two drift apart (a variable the runner reads that no
/// request sets, a tag it prints that the client does not know, or the other way round).
/// </summary>
public partial class ProtocolNamesTests
{
    /// <summary>The runner as sent, without its comment lines and without the request's own variable lines that follow it.</summary>
    private static readonly string Runner = string.Join('\n', LazyText.Expand(RunnerOnly(Encoding.UTF8.GetString(new RunnerRequest(Verbs.Status).ToPayload())))
        .Split('\n').Where(line => !line.TrimStart().StartsWith('#')));

    private static string RunnerOnly(string payload) => payload[..payload.LastIndexOf("\nSK_VERB=", StringComparison.Ordinal)];

    /// <summary>The variable lines a request sends after the runner.</summary>
    private static string Variables(IRunnerRequest request)
    {
        var payload = Encoding.UTF8.GetString(request.ToRunnerRequest().ToPayload());
        return payload[payload.LastIndexOf("\nSK_VERB=", StringComparison.Ordinal)..];
    }

    [Fact]
    public void Every_request_variable_is_read_by_the_runner()
    {
        var referenced = Referenced();
        Assert.All(RequestVariables.All, name => Assert.Contains(name, referenced));
    }

    [Fact]
    public void Every_variable_the_runner_reads_without_setting_it_is_a_request_variable()
    {
        var inputs = Referenced().Except(Assigned()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(RequestVariables.All.Order(StringComparer.Ordinal), inputs);
    }

    [Fact]
    public void The_runner_prints_exactly_the_reply_tags_the_client_knows()
    {
        var printed = ReplyTag().Matches(Runner).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(ReplyTags.All.Order(StringComparer.Ordinal), printed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_runner_uses_the_reply_prefix_and_frame_markers()
    {
        Assert.Contains($"printf '{Protocol.ReplyPrefix}%s\\n'", Runner, StringComparison.Ordinal);
        Assert.Contains($"printf '{Protocol.FrameStart} %s %s %s\\n'", Runner, StringComparison.Ordinal);
        Assert.Contains($"printf '{Protocol.FrameEnd}\\n'", Runner, StringComparison.Ordinal);
        Assert.Contains($"printf '{Protocol.Heartbeat} %s %s\\n'", Runner, StringComparison.Ordinal);
        Assert.Contains($"_ta={StreamTokens.Log} _fa=$SK_DIR/log", Runner, StringComparison.Ordinal);
        Assert.Contains($"_ta={StreamTokens.Stdout} _fa=$SK_DIR/out", Runner, StringComparison.Ordinal);
        Assert.Contains($"_tb={StreamTokens.Stderr} _fb=$SK_DIR/err", Runner, StringComparison.Ordinal);
        Assert.Contains($"{Protocol.Credit} ", Runner, StringComparison.Ordinal);
        Assert.Equal("@@SKC 42\n", Protocol.CreditLine(42));
    }

    [Fact]
    public void Every_verb_has_a_branch_in_sk_main()
    {
        string[] verbs = [Verbs.Launch, Verbs.Status, Verbs.List, Verbs.Kill, Verbs.Remove, Verbs.CollectGarbage, Verbs.Stream, Verbs.Adopt, Verbs.Adoptable];
        Assert.All(verbs, verb => Assert.Matches($@"\n\s*{verb}\) sk_", Runner));
    }

    [Fact]
    public void A_typed_request_sets_the_variables_of_its_verb()
    {
        var stream = Variables(new StreamRequest(JobId.Parse("k7q2"), new(10, 3, 7), 4096, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30), "c1")
        {
            Credit = true,
            Once = true,
            Known = new(12, 4, 8),
            TailLines = 5,
        });
        foreach (var expected in new[]
        {
            "SK_VERB='stream'", "SK_ID='k7q2'", "SK_OFFSET='10'", "SK_OFFSET_E='3'", "SK_OFFSET_L='7'", "SK_MAX='4096'", "SK_HB_MS='250'", "SK_TTL='30'", "SK_CLIENT='c1'",
            "SK_CREDIT='1'", "SK_ONCE='1'", "SK_KNOWN='12'", "SK_KNOWN_E='4'", "SK_KNOWN_L='8'", "SK_TAIL='5'",
        })
        {
            Assert.Contains("\n" + expected + "\n", stream, StringComparison.Ordinal);
        }

        var plain = Variables(new StreamRequest(JobId.Parse("k7q2"), default, 1, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1), "c1"));
        Assert.Contains("\nSK_TTL='1'\n", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("SK_CREDIT=", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("SK_ONCE=", plain, StringComparison.Ordinal);

        var launch = Variables(new LaunchRequest(JobId.Parse("k7q2"), JobCookie.Parse("ck"), new JobSpec("true", Timeout: TimeSpan.FromMilliseconds(500), Grace: TimeSpan.FromMilliseconds(1500))));
        Assert.Contains("\nSK_TIMEOUT='1'\n", launch, StringComparison.Ordinal);
        Assert.Contains("\nSK_GRACE='2'\n", launch, StringComparison.Ordinal);
        Assert.DoesNotContain("SK_FAULT=", launch, StringComparison.Ordinal);
        Assert.Contains("\nSK_VERB='kill'\n", Variables(new SignalRequest(JobId.Parse("k7q2"), "INT")), StringComparison.Ordinal);
        Assert.Contains("\nSK_VERB='rm'\n", Variables(new RemoveRequest(JobId.Parse("k7q2"))), StringComparison.Ordinal);
    }

    [Fact]
    public void Typed_replies_read_their_fields()
    {
        var lines = ReplyParser.Parse("@@SK2 launched id=k7q2 fresh=1 warn=logind-kill-user-processes\n@@SK2 kill signalled=TERM refused=identity-mismatch\n@@SK2 end\n"u8, "h");
        Assert.Equal(new LaunchedReply("k7q2", true, LaunchedReply.LogindKillsUserProcesses), LaunchedReply.Find(lines));
        Assert.Equal(new KillReply("TERM", "identity-mismatch"), KillReply.Find(lines));
        Assert.Equal(new KillReply("none", null), KillReply.Find([]));
        Assert.Null(LaunchedReply.Find([]));
    }

    private static HashSet<string> Referenced() =>
        Name().Matches(Runner).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>Names the runner sets itself: NAME=... (not NAME=${NAME:-default}), read NAME, for NAME in.</summary>
    private static HashSet<string> Assigned()
    {
        var assigned = Assignment().Matches(Runner).Where(m => !Runner.AsSpan(m.Index + m.Length).StartsWith("${" + m.Groups[1].Value, StringComparison.Ordinal))
            .Select(m => m.Groups[1].Value);
        var loops = ReadOrFor().Matches(Runner).Select(m => m.Groups[1].Value);
        return [.. assigned.Concat(loops)];
    }

    [GeneratedRegex(@"SK_[A-Z][A-Z_]*")]
    private static partial Regex Name();

    [GeneratedRegex(@"(?<![\w$])(SK_[A-Z][A-Z_]*)=")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"\b(?:read -r|for) (SK_[A-Z][A-Z_]*)\b")]
    private static partial Regex ReadOrFor();

    [GeneratedRegex(@"sk_reply ""?([a-z]+)")]
    private static partial Regex ReplyTag();
}
