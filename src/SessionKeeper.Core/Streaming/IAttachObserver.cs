namespace SessionKeeper.Core.Streaming;

/// <summary>Told about the life of a stream, for the status line on stderr and for logs.</summary>
public interface IAttachObserver
{
    void Disconnected(long offset, string reason);

    void Retrying(int attempt, TimeSpan delay, string reason);

    void Reconnected(TimeSpan gap, long offset);
}

public sealed class NullAttachObserver : IAttachObserver
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
