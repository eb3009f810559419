using System.Text;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Remote;

/// <summary>Turns a "status" reply line into a <see cref="JobStatus"/>, strictly.</summary>
public static class StatusParser
{
    public static JobStatus Parse(ReplyLine line, string host)
    {
        var id = line["id"];
        if (line.Tag != "status" || !JobId.IsValid(id))
        {
            throw new SessionKeeperException(FailureKind.RemoteError, $"malformed status reply from {host}.");
        }

        var state = line["state"] switch
        {
            "running" => JobState.Running,
            "starting" => JobState.Starting,
            "exited" => JobState.Exited,
            "killed" => line["timedout"] == "1" ? JobState.TimedOut : JobState.Killed,
            "lost" => JobState.Lost,
            var other => throw new SessionKeeperException(FailureKind.RemoteError, $"unknown job state '{other}' from {host}."),
        };
        if (state == JobState.Exited && line["timedout"] == "1")
        {
            state = JobState.TimedOut;
        }

        var finished = state is JobState.Exited or JobState.Killed or JobState.TimedOut;
        return new JobStatus
        {
            Id = id!,
            State = state,
            ExitCode = finished ? line.SmallNumber("code") : null,
            Signal = finished && line.SmallNumber("signal") is > 0 and var s ? s : null,
            LostReason = state == JobState.Lost ? line["reason"] : null,
            Pid = PositiveInt(line, "pid"),
            ProcessGroup = PositiveInt(line, "pgid"),
            StartTime = line.Number("start"),
            BootId = line["boot"] is { Length: > 0 } b ? b : null,
            Created = line.Number("created") is { } c ? DateTimeOffset.FromUnixTimeSeconds(c) : null,
            Ended = finished && line.Number("ended") is { } e ? DateTimeOffset.FromUnixTimeSeconds(e) : null,
            LogSize = line.Number("logsize") ?? 0,
            CommandPreview = DecodeHex(line["cmd"]),
            IgnoredAtStart = Mask(line, "sigign"),
            BlockedAtStart = Mask(line, "sigblk"),
            SignalReset = line["sigreset"] is { Length: > 0 and <= 16 } r && r.All(char.IsAsciiLetterOrDigit) ? r : null,
        };
    }

    private static IReadOnlyList<string>? Mask(ReplyLine line, string key) =>
        line[key] is { Length: > 0 and <= 16 } hex && ulong.TryParse(hex, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var mask)
            ? SignalNames.FromMask(mask)
            : null;

    private static int? PositiveInt(ReplyLine line, string key) => line.SmallNumber(key) is > 1 and var v ? v : null;

    private static string DecodeHex(string? hex)
    {
        if (string.IsNullOrEmpty(hex) || hex.Length % 2 != 0)
        {
            return "";
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromHexString(hex));
        }
        catch (FormatException)
        {
            return "";
        }
    }
}
