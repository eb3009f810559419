using System.Text;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Remote;

/// <summary>Turns a "status" reply line into a <see cref="JobStatus"/>, strictly.</summary>
internal static class StatusParser
{
    public static JobStatus Parse(ReplyLine line, string host)
    {
        var id = line["id"];
        if (line.Tag != "status" || !JobId.TryParse(id, out var jobId))
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
            "ending" => JobState.Ending,
            "ended" => JobState.Ended,
            var other => throw new SessionKeeperException(FailureKind.RemoteError, $"unknown job state '{other}' from {host}."),
        };
        if (state == JobState.Exited && line["timedout"] == "1")
        {
            state = JobState.TimedOut;
        }

        var finished = state is JobState.Exited or JobState.Killed or JobState.TimedOut;
        string? lostReason = state == JobState.Lost ? line["reason"] : null;
        if (finished && !IsPlausibleExit(line))
        {
            // A record the wrapper could not have written (forged or damaged): no exit code from it.
            (state, finished, lostReason) = (JobState.Lost, false, MalformedExitRecord);
        }

        var preview = DecodeHex(line["cmd"]);
        return new JobStatus
        {
            Id = jobId,
            State = state,
            ExitCode = finished ? line.SmallNumber("code") : null,
            Signal = finished && line.SmallNumber("signal") is > 0 and var s ? s : null,
            LostReason = lostReason,
            LogIncomplete = line["nospace"] == "1",
            Pid = PositiveInt(line, "pid"),
            ProcessGroup = PositiveInt(line, "pgid"),
            StartTime = line.Number("start"),
            BootId = line["boot"] is { Length: > 0 } b ? b : null,
            Created = line.Number("created") is { } c ? DateTimeOffset.FromUnixTimeSeconds(c) : null,
            Ended = (finished || state == JobState.Ended) && line.Number("ended") is { } e ? DateTimeOffset.FromUnixTimeSeconds(e) : null,
            StdoutSize = line.Number("out") ?? 0,
            StderrSize = line.Number("err") ?? 0,
            Layout = line.SmallNumber("layout") is { } layout and (1 or 2) ? layout : 0,
            CommandPreview = Encoding.UTF8.GetString(preview),
            RawCommandPreview = IsUtf8Preview(preview) ? null : preview,
            IgnoredAtStart = Mask(line, "sigign"),
            BlockedAtStart = Mask(line, "sigblk"),
            SignalReset = line["sigreset"] is { Length: > 0 and <= 16 } r && r.All(char.IsAsciiLetterOrDigit) ? r : null,
            Adopted = line["adopted"] is "protected" or "partial" or "unprotected" or "unknown" ? line["adopted"] : null,
            EndedReason = state == JobState.Ended ? Word(line["reason"]) ?? "exit-status-unknown-adopted" : null,
        };
    }

    private static IReadOnlyList<string>? Mask(ReplyLine line, string key) =>
        line[key] is { Length: > 0 and <= 16 } hex && ulong.TryParse(hex, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var mask)
            ? SignalNames.FromMask(mask)
            : null;

    /// <summary>The reason of a job whose exit record is not one the wrapper could have written.</summary>
    public const string MalformedExitRecord = "malformed-exit-record";

    /// <summary>
    /// Codes 0-255, signals 1-64, and a kind that agrees with them: exited has no signal, killed
    /// has code 128+signal; timedout is 0 or 1. The runner checks the same; this holds for any runner.
    /// </summary>
    public static bool IsPlausibleExit(ReplyLine line)
    {
        if (line.SmallNumber("code") is not { } code || code > 255 || line["timedout"] is not ("0" or "1" or null))
        {
            return false;
        }

        var signal = line["signal"] is null ? 0 : line.SmallNumber("signal") ?? -1;
        return line["state"] switch
        {
            "exited" => signal == 0,
            "killed" => signal is >= 1 and <= 64 && code == 128 + signal,
            _ => false,
        };
    }

    /// <summary>A short word of letters, digits and dashes, or null: nothing else from the target is shown.</summary>
    private static string? Word(string? text) =>
        text is { Length: > 0 and <= 40 } w && w.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? w : null;

    private static int? PositiveInt(ReplyLine line, string key) => line.SmallNumber(key) is > 1 and var v ? v : null;

    /// <summary>How many bytes of the command the runner sends (sk_hex).</summary>
    public const int CommandPreviewLength = 160;

    private static byte[] DecodeHex(string? hex)
    {
        if (string.IsNullOrEmpty(hex) || hex.Length % 2 != 0)
        {
            return [];
        }

        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    /// <summary>UTF-8, where a preview cut at its length may end inside a character.</summary>
    private static bool IsUtf8Preview(byte[] preview)
    {
        var chars = new char[preview.Length];
        var status = System.Text.Unicode.Utf8.ToUtf16(preview, chars, out _, out _, replaceInvalidSequences: false, isFinalBlock: preview.Length < CommandPreviewLength);
        return status is System.Buffers.OperationStatus.Done or System.Buffers.OperationStatus.NeedMoreData;
    }
}

/// <summary>Text of command lines the target sends as hex.</summary>
internal static class StatusParserText
{
    /// <summary>A /proc cmdline sent as hex: its NUL separators as spaces, bytes that are not UTF-8 as U+FFFD.</summary>
    public static string CommandLine(string? hex)
    {
        if (string.IsNullOrEmpty(hex) || hex.Length % 2 != 0 || !hex.All(char.IsAsciiHexDigit))
        {
            return "";
        }

        var bytes = Convert.FromHexString(hex);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == 0)
            {
                bytes[i] = (byte)' ';
            }
        }

        return Encoding.UTF8.GetString(bytes).TrimEnd(' ');
    }
}
