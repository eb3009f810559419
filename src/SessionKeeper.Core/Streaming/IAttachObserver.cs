namespace SessionKeeper.Core.Streaming;

/// <summary>Told about the life of a stream, for the status line on stderr and for logs.</summary>
public interface IAttachObserver
{
    /// <summary>The link was lost with <paramref name="offset"/> bytes delivered.</summary>
    void Disconnected(long offset, string reason);

    /// <summary>Connection attempt <paramref name="attempt"/> comes after <paramref name="delay"/>, the last having failed for <paramref name="reason"/>.</summary>
    void Retrying(int attempt, TimeSpan delay, string reason);

    /// <summary>Reconnected after <paramref name="gap"/>; output resumes at <paramref name="offset"/>.</summary>
    void Reconnected(TimeSpan gap, long offset);
}

internal sealed class NullAttachObserver : IAttachObserver
{
    public static readonly NullAttachObserver Instance = new();

    public void Disconnected(long offset, string reason)
    {
    }

    public void Retrying(int attempt, TimeSpan delay, string reason)
    {
    }

    public void Reconnected(TimeSpan gap, long offset)
    {
    }
}
