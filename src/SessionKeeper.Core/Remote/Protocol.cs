using System.Globalization;

namespace SessionKeeper.Core.Remote;

/// <summary>
/// The protocol between the client and <c>runner.sh</c>, in one place: the verbs, the request
/// variables, the reply tags and the stream's frame markers. <c>runner.sh</c> keeps its own
/// spelling; <c>ProtocolNamesTests</c> reads it and fails when the two drift apart.
/// </summary>
internal static class Protocol
{
    /// <summary>Every reply line the client acts on starts with this; anything else is login noise.</summary>
    public const string ReplyPrefix = "@@SK2 ";

    /// <summary>Any line starting with this and not known here is another protocol version's, never noise.</summary>
    public const string MarkerPrefix = "@@SK";

    /// <summary>"@@SKD S offset len": a frame of stream S (<see cref="StreamTokens"/>) follows, then <see cref="FrameEnd"/>.</summary>
    public const string FrameStart = "@@SKD";

    public const string FrameEnd = "@@SKE";

    /// <summary>"@@SKH O E": the stream helper is alive and has sent stdout (or the log) up to O, stderr up to E.</summary>
    public const string Heartbeat = "@@SKH";

    /// <summary>"@@SKC sum", client to helper: it may send while the streams' offsets add up to less than sum.</summary>
    public const string Credit = "@@SKC";

    /// <summary>The credit line that lets the helper send up to <paramref name="upTo"/>.</summary>
    public static string CreditLine(long upTo) => string.Create(CultureInfo.InvariantCulture, $"{Credit} {upTo}\n");

    /// <summary>True for a line of this protocol's stream that is not a reply (frames, heartbeats, credit).</summary>
    public static bool IsStreamMarker(string line) =>
        line.StartsWith(FrameStart, StringComparison.Ordinal) || line.StartsWith(FrameEnd, StringComparison.Ordinal)
        || line.StartsWith(Heartbeat, StringComparison.Ordinal);
}

/// <summary>The stream tokens of a frame ("@@SKD S offset len"): which of the job's outputs it carries.</summary>
internal static class StreamTokens
{
    /// <summary>The job's stdout (layout 2).</summary>
    public const string Stdout = "o";

    /// <summary>The job's stderr (layout 2).</summary>
    public const string Stderr = "e";

    /// <summary>The one log of a layout-1 directory: stdout and stderr together.</summary>
    public const string Log = "l";
}

/// <summary>The runner's verbs (<c>SK_VERB</c>).</summary>
internal static class Verbs
{
    public const string Launch = "launch";
    public const string Status = "status";
    public const string List = "list";
    public const string Kill = "kill";
    public const string Remove = "rm";
    public const string CollectGarbage = "gc";
    public const string Stream = "stream";

    /// <summary>A launch whose channel goes on as the job's stream: one login on the target per foreground job.</summary>
    public const string Run = "run";
    public const string Upload = "upload";

    /// <summary>Record a process started by hand as a job, and protect it from its terminal's hangup.</summary>
    public const string Adopt = "adopt";

    /// <summary>This user's processes that have a terminal: the candidates of `adopt HOST`.</summary>
    public const string Adoptable = "adoptable";

    /// <summary>The resident launcher of a daemon's pooled connection (keeper.pl's serve mode; see <see cref="ResidentLaunch"/>).</summary>
    public const string Serve = "serve";
}

/// <summary>The shell variables a request sets before <c>sk_main</c> runs.</summary>
internal static class RequestVariables
{
    public const string Verb = "SK_VERB";
    public const string Id = "SK_ID";
    public const string Cookie = "SK_COOKIE";
    public const string Command = "SK_CMD";
    public const string WorkingDirectory = "SK_CWD";
    public const string Environment = "SK_ENVTXT";
    public const string Shell = "SK_SHELL";
    public const string Timeout = "SK_TIMEOUT";
    public const string Grace = "SK_GRACE";
    public const string Wrapper = "SK_WRAPPER";

    /// <summary>The fast tier's wrapper (keeper.pl), sent with launch requests beside the sh one: run where perl exists.</summary>
    public const string Keeper = "SK_KEEPER";
    public const string Fault = "SK_FAULT";
    public const string Signal = "SK_SIGNAL";
    public const string Age = "SK_AGE";
    public const string Offset = "SK_OFFSET";
    public const string MaxBytes = "SK_MAX";
    public const string HeartbeatMilliseconds = "SK_HB_MS";
    public const string TimeToLive = "SK_TTL";
    public const string Client = "SK_CLIENT";
    public const string CreditEnabled = "SK_CREDIT";
    public const string Once = "SK_ONCE";
    public const string Known = "SK_KNOWN";
    public const string Tail = "SK_TAIL";
    public const string ErrOffset = "SK_OFFSET_E";
    public const string LogOffset = "SK_OFFSET_L";
    public const string ErrKnown = "SK_KNOWN_E";
    public const string LogKnown = "SK_KNOWN_L";
    public const string Pid = "SK_PID";
    public const string AdoptTool = "SK_ADOPT_TOOL";

    /// <summary>"spool": the job reads its stdin from the spool the upload verb fills; "null" (or unset): /dev/null.</summary>
    public const string Stdin = "SK_STDIN";

    /// <summary>Upload: the spool is complete once it holds this many bytes.</summary>
    public const string StdinEnd = "SK_IN_END";

    /// <summary>Upload: "1" closes the spool at what it holds (its source is gone).</summary>
    public const string StdinClose = "SK_IN_CLOSE";

    /// <summary>The stream helper's fast tier (stream.pl), sent with stream requests: run where perl exists.</summary>
    public const string StreamTool = "SK_STREAM_TOOL";

    /// <summary>"posix" keeps a helper in sh where perl exists (tests and benchmarks compare the tiers).</summary>
    public const string Tier = "SK_TIER";

    /// <summary>Tests only: the runner's own watchdog deadline, in seconds.</summary>
    public const string Deadline = "SK_DEADLINE";

    /// <summary>"1" in the first part of a run request sent perl-first (see <see cref="RunnerRequest.ToPayload"/>): sk_first execs perl.</summary>
    public const string First = "SK_FIRST";

    /// <summary>Set by front.pl (never by the client) where a perl-first run's perl leaves the rest to sh: its words, as sk_run_fast reads its own perl's.</summary>
    public const string PerlWords = "SK_PERL_WORDS";

    /// <summary>Set by front.pl with <see cref="PerlWords"/>: that perl's exit code.</summary>
    public const string PerlExit = "SK_PERL_RC";

    /// <summary>Every name above, for the test that compares them with runner.sh.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Verb, Id, Cookie, Command, WorkingDirectory, Environment, Shell, Timeout, Grace, Wrapper, Keeper, Fault, Signal, Age,
        Offset, MaxBytes, HeartbeatMilliseconds, TimeToLive, Client, CreditEnabled, Once, Known, Tail, ErrOffset, LogOffset,
        ErrKnown, LogKnown, Stdin, StdinEnd, StdinClose, Pid, AdoptTool, StreamTool, Tier, Deadline, First, PerlWords, PerlExit,
    ];
}

/// <summary>The first word of a reply line (after <see cref="Protocol.ReplyPrefix"/>).</summary>
internal static class ReplyTags
{
    /// <summary>The last line of every complete reply.</summary>
    public const string End = "end";

    /// <summary>"error code=...": the verb failed; see <see cref="RemoteErrors"/>.</summary>
    public const string Error = "error";

    /// <summary>"status id=... state=...": one job's status.</summary>
    public const string Status = "status";

    /// <summary>"launched id=... fresh=0|1 [warn=...]".</summary>
    public const string Launched = "launched";

    /// <summary>"kill signalled=NAME|none [refused=REASON]".</summary>
    public const string Kill = "kill";

    /// <summary>"removed id=...".</summary>
    public const string Removed = "removed";

    /// <summary>"stream id=... layout=1|2 o=... e=...": the stream helper started, at these offsets.</summary>
    public const string Stream = "stream";

    /// <summary>"more o=... e=...": the helper's time is up; start another from these offsets.</summary>
    public const string More = "more";

    /// <summary>"caught o=... e=...": everything written so far was sent (one-shot reads).</summary>
    public const string Caught = "caught";

    /// <summary>"done o=... e=... state=...": the job finished and its output is complete.</summary>
    public const string Done = "done";

    /// <summary>"upload id=... in=N eof=N|- ended=0|1": what the stdin spool holds; the bytes from N on follow unless it is complete or the job ended.</summary>
    public const string Upload = "upload";

    /// <summary>"serve none": no resident launcher here (no perl, or the POSIX tier); launches go over exec channels.</summary>
    public const string Serve = "serve";

    /// <summary>"acked in=N [ended=1]": while an upload call lasts, what the spool holds now (and that the job has ended).</summary>
    public const string Acked = "acked";

    /// <summary>"uploaded in=N eof=N|- [ended=1]": what the spool holds after the upload call's bytes.</summary>
    public const string Uploaded = "uploaded";

    /// <summary>"adopted id=... fresh=0|1 protect=protected|partial|unprotected reason=... members=N protected=N fg=0|1 leader=0|1".</summary>
    public const string Adopted = "adopted";

    /// <summary>"candidate pid=... pgid=... sid=... fg=0|1 state=S start=TICKS tty=NAME cmd=HEX": a process `adopt` could take.</summary>
    public const string Candidate = "candidate";

    /// <summary>"clock uptime=SECONDS hz=TICKS": the target's clock, for the candidates' ages.</summary>
    public const string Clock = "clock";

    /// <summary>Every tag above, for the test that compares them with runner.sh.</summary>
    public static IReadOnlyList<string> All { get; } = [End, Error, Status, Launched, Kill, Removed, Stream, More, Caught, Done, Upload, Acked, Uploaded, Adopted, Candidate, Clock, Serve];
}
