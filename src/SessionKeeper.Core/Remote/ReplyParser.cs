using System.Text;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Remote;

/// <summary>
/// Extracts the runner's reply from whatever the target printed. Lines that do not start with the
/// versioned sentinel (motd, a noisy .profile) are ignored; a reply without its closing "end" line
/// was cut short and is rejected, never half-used.
/// </summary>
internal static class ReplyParser
{
    public static IReadOnlyList<ReplyLine> Parse(ReadOnlySpan<byte> output, string host)
    {
        var text = Encoding.UTF8.GetString(output);
        var lines = new List<ReplyLine>();
        var ended = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (!line.StartsWith(Protocol.ReplyPrefix, StringComparison.Ordinal))
            {
                if (line.StartsWith(Protocol.MarkerPrefix, StringComparison.Ordinal) && !Protocol.IsStreamMarker(line))
                {
                    throw new SessionKeeperException(
                        FailureKind.RemoteError,
                        $"{host} answered with an unknown protocol version ('{Truncate(line)}'); upgrade sessionkeeper.");
                }

                continue;
            }

            if (ended)
            {
                throw Malformed(host, "data after the end of the reply");
            }

            var parsed = ParseLine(line.AsSpan(Protocol.ReplyPrefix.Length), host);
            if (parsed.Tag == ReplyTags.End)
            {
                ended = true;
                continue;
            }

            lines.Add(parsed);
        }

        if (!ended)
        {
            throw new SessionKeeperException(FailureKind.ConnectionLost, $"the reply from {host} was cut short.");
        }

        return lines;
    }

    public static ReplyLine ParseLine(ReadOnlySpan<char> body, string host)
    {
        var parts = body.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !IsToken(parts[0]))
        {
            throw Malformed(host, "a reply line without a tag");
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in parts.AsSpan(1))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !IsToken(part[..eq]))
            {
                throw Malformed(host, $"field '{Truncate(part)}'");
            }

            fields[part[..eq]] = part[(eq + 1)..];
        }

        return new ReplyLine(parts[0], fields);
    }

    /// <summary>Turns an "error code=..." line into the failure it stands for.</summary>
    public static void ThrowIfError(IReadOnlyList<ReplyLine> lines, string host, JobId? jobId)
    {
        foreach (var line in lines)
        {
            if (line.Tag == ReplyTags.Error)
            {
                throw RemoteErrors.ToException(line["code"] ?? "unknown", host, jobId);
            }
        }
    }

    private static bool IsToken(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static SessionKeeperException Malformed(string host, string what) =>
        new(FailureKind.RemoteError, $"malformed reply from {host}: {what}.");

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "...";
}
