namespace SessionKeeper.Core.Remote;

/// <summary>"launched id=... fresh=0|1 [warn=...]": the launch verb's confirmation.</summary>
/// <param name="Id">The job's id as the target echoed it.</param>
/// <param name="Fresh">True when this call started the job; false when a retry found it already started.</param>
/// <param name="Warning">A condition on the target that may end the job early (logind-kill-user-processes).</param>
internal sealed record LaunchedReply(string? Id, bool Fresh, string? Warning)
{
    public const string LogindKillsUserProcesses = "logind-kill-user-processes";

    public static LaunchedReply? Find(IReadOnlyList<ReplyLine> lines) =>
        lines.FirstOrDefault(l => l.Tag == ReplyTags.Launched) is { } line
            ? new LaunchedReply(line["id"], line["fresh"] == "1", line["warn"])
            : null;
}

/// <summary>"kill signalled=NAME|none [refused=REASON]": what the kill verb sent, and why it stopped.</summary>
/// <param name="Signalled">The last signal sent, without SIG ("TERM", "KILL"), or "none".</param>
/// <param name="Refused">Set when the job's identity could not be proven before a signal.</param>
internal sealed record KillReply(string Signalled, string? Refused)
{
    public static KillReply Find(IReadOnlyList<ReplyLine> lines) =>
        lines.FirstOrDefault(l => l.Tag == ReplyTags.Kill) is { } line
            ? new KillReply(line["signalled"] ?? "none", line["refused"] is { Length: > 0 } refused ? refused : null)
            : new KillReply("none", null);
}

/// <summary>"adopted id=... fresh=0|1 protect=... reason=... members=N protected=N fg=0|1 leader=0|1": what adopt did.</summary>
internal sealed record AdoptedReply(bool Fresh, string Protection, string? Reason, int Members, int Protected, bool Foreground, bool Leader)
{
    public static AdoptedReply? Find(IReadOnlyList<ReplyLine> lines) =>
        lines.FirstOrDefault(l => l.Tag == ReplyTags.Adopted) is { } line
            ? new AdoptedReply(
                line["fresh"] == "1",
                line["protect"] is "protected" or "partial" or "unprotected" ? line["protect"]! : "unknown",
                line["reason"] is { Length: > 0 and <= 40 } r && r.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? r : null,
                line.SmallNumber("members") ?? 0,
                line.SmallNumber("protected") ?? 0,
                line["fg"] == "1",
                line["leader"] == "1")
            : null;
}
