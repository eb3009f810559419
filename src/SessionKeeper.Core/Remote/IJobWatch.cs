using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Core.Remote;

/// <summary>
/// A connector that can also watch a job without a channel of its own (the daemon's resident
/// watcher, one channel per pooled connection for every job it supervises there): a supervision
/// that finds its job ended with nothing left to mirror settles it from the watch's answer, and
/// streams it over a channel of its own as before for anything else.
/// </summary>
internal interface IJobWatch
{
    /// <summary>
    /// Waits until <paramref name="id"/> has something to say beyond <paramref name="mirrored"/>
    /// (its stdout and stderr as far as the mirror holds them): the stream's done reply when the
    /// job has ended with no byte beyond them; null when the caller must stream it (output to
    /// mirror, anything unusual, no watcher on the host, the watcher gone).
    /// </summary>
    Task<ReplyLine?> WatchAsync(JobId id, StreamOffsets mirrored, CancellationToken cancellationToken);
}
