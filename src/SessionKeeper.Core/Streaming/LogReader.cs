using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Core.Streaming;

/// <summary>
/// Reads a job's output up to its current end over one connection, in chunks of the stream verb
/// (<c>once</c>: the helper stops at the end instead of waiting for more), from the last N lines
/// of each stream when asked. What <c>logs</c> prints before it follows.
/// </summary>
internal static class LogReader
{
    private const long Chunk = 4L << 20;

    /// <summary>
    /// Writes the output so far to <paramref name="outputs"/>, each stream to its own; returns the
    /// offsets of their ends. <paramref name="known"/> is how much of each stream this workstation
    /// already holds: a shorter file was truncated or replaced, which the runner refuses.
    /// </summary>
    public static async Task<StreamOffsets> ReadSoFarAsync(IRemoteSession session, JobId id, int? tailLines, StreamOffsets known, JobStreams outputs, CancellationToken cancellationToken)
    {
        StreamOffsets? offsets = null;
        while (true)
        {
            var request = new StreamRequest(id, offsets ?? default, Chunk, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), "logs" + Environment.ProcessId)
            {
                Once = true,
                Known = known,
                TailLines = offsets is null ? tailLines : null,
            };
            using var remote = await session.OpenStreamAsync(request.ToRunnerRequest().ToPayload(), cancellationToken).ConfigureAwait(false);
            using var abort = cancellationToken.Register(remote.Dispose);

            // Reads block (SSH.NET streams are not truly asynchronous): a dedicated thread, not the pool.
            var (next, finished) = await Task.Factory.StartNew(
                () => Drain(remote.Output, session.HostLabel, id, outputs),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            offsets = next;
            if (finished)
            {
                return next;
            }
        }
    }

    /// <summary>
    /// How much of each stream of a journaled job this workstation holds: its mirror, or the
    /// journal's committed offset of stdout (the one log in layout 1); stderr's is its mirror file.
    /// </summary>
    public static StreamOffsets KnownLength(JournalJob? job)
    {
        if (job is null)
        {
            return default;
        }

        var mirror = LogMirror.OffsetsOf(job.MirrorPath);
        return new(Math.Max(job.CommittedLength, mirror.Stdout), mirror.Stderr, Math.Max(job.CommittedLength, mirror.Combined));
    }

    private static (StreamOffsets Offsets, bool Finished) Drain(Stream input, string host, JobId id, JobStreams outputs)
    {
        var reader = new StreamFrameReader(input, host);
        StreamOffsets offsets = default;
        while (true)
        {
            switch (reader.Next())
            {
                case null:
                    throw new SessionKeeperException(FailureKind.ConnectionLost, $"the connection to {host} was lost while reading the log.");
                case StreamEvent.Data data:
                    if (outputs.For(data.Stream) is { } output)
                    {
                        output.Write(data.Bytes.Span);
                    }

                    offsets = offsets.Advance(data.Stream, data.Bytes.Length);
                    break;
                case StreamEvent.Reply { Line.Tag: ReplyTags.Stream } start:
                    offsets = At(start.Line);
                    break;
                case StreamEvent.Reply { Line.Tag: ReplyTags.Error } error:
                    throw RemoteErrors.ToException(error.Line["code"] ?? "unknown", host, id);
                case StreamEvent.Reply { Line.Tag: ReplyTags.More }:
                    Flush(outputs);
                    return (offsets, false);
                case StreamEvent.Reply { Line.Tag: ReplyTags.Caught or ReplyTags.Done }:
                    Flush(outputs);
                    return (offsets, true);
                default:
                    break;
            }
        }
    }

    /// <summary>The offsets a stream reply starts at: o is the one log's in layout 1.</summary>
    private static StreamOffsets At(ReplyLine line)
    {
        var (sent, sentErr) = (line.Number("o") ?? 0, line.Number("e") ?? 0);
        return line["layout"] == "1" ? new(0, 0, sent) : new(sent, sentErr, 0);
    }

    private static void Flush(JobStreams outputs)
    {
        outputs.Stdout?.Flush();
        outputs.Stderr?.Flush();
    }
}
