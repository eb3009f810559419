using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Core.Streaming;

/// <summary>
/// Reads a job's log up to its current end over one connection, in chunks of the stream verb
/// (<c>once</c>: the helper stops at the end instead of waiting for more), from the last N lines
/// when asked. What <c>logs</c> prints before it follows.
/// </summary>
internal static class LogReader
{
    private const long Chunk = 4L << 20;

    /// <summary>
    /// Writes the log so far to <paramref name="output"/>; returns the offset of its end.
    /// <paramref name="known"/> is how much of the log this workstation already holds: a shorter
    /// log was truncated or replaced, which the runner refuses.
    /// </summary>
    public static async Task<long> ReadSoFarAsync(IRemoteSession session, string id, int? tailLines, long known, Stream output, CancellationToken cancellationToken)
    {
        long offset = 0;
        while (true)
        {
            var request = new StreamRequest(id, offset, Chunk, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), "logs" + Environment.ProcessId)
            {
                Once = true,
                Known = known,
                TailLines = offset == 0 ? tailLines : null,
            };
            using var remote = await session.OpenStreamAsync(request.ToRunnerRequest().ToPayload(), cancellationToken).ConfigureAwait(false);
            using var abort = cancellationToken.Register(remote.Dispose);

            // Reads block (SSH.NET streams are not truly asynchronous): a dedicated thread, not the pool.
            var (next, finished) = await Task.Factory.StartNew(
                () => Drain(remote.Output, session.HostLabel, id, output),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            offset = next;
            if (finished)
            {
                return offset;
            }
        }
    }

    /// <summary>How much of a journaled job's log this workstation holds (its mirror, or the committed offset).</summary>
    public static long KnownLength(JournalJob? job)
    {
        if (job is null)
        {
            return 0;
        }

        var mirror = job.MirrorPath is { } path && File.Exists(path) ? new FileInfo(path).Length : 0;
        return Math.Max(job.CommittedLength, mirror);
    }

    private static (long Offset, bool Finished) Drain(Stream input, string host, string id, Stream output)
    {
        var reader = new StreamFrameReader(input, host);
        long offset = 0;
        while (true)
        {
            switch (reader.Next())
            {
                case null:
                    throw new SessionKeeperException(FailureKind.ConnectionLost, $"the connection to {host} was lost while reading the log.");
                case StreamEvent.Data data:
                    output.Write(data.Bytes.Span);
                    offset = data.Offset + data.Bytes.Length;
                    break;
                case StreamEvent.Reply { Line.Tag: ReplyTags.Stream } start:
                    offset = start.Line.Number("offset") ?? 0;
                    break;
                case StreamEvent.Reply { Line.Tag: ReplyTags.Error } error:
                    throw RemoteErrors.ToException(error.Line["code"] ?? "unknown", host, id);
                case StreamEvent.Reply { Line.Tag: ReplyTags.More }:
                    output.Flush();
                    return (offset, false);
                case StreamEvent.Reply { Line.Tag: ReplyTags.Caught or ReplyTags.Done }:
                    output.Flush();
                    return (offset, true);
                default:
                    break;
            }
        }
    }
}
