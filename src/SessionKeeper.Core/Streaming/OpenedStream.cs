using SessionKeeper.Core.Remote;

namespace SessionKeeper.Core.Streaming;

/// <summary>
/// A job's stream already running on an open channel (the run verb's, after its launch replies),
/// for the <see cref="Attacher"/> to go on reading instead of opening one: <paramref name="Reader"/>
/// holds whatever followed the launch replies, and the stream started at <paramref name="From"/>.
/// </summary>
internal sealed record OpenedStream(IRemoteOutput Remote, StreamFrameReader Reader, StreamOffsets From) : IDisposable
{
    public void Dispose() => Remote.Dispose();
}
