using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>Says on stderr what happens while a stream is disconnected, and that the job keeps running.</summary>
internal sealed class ConsoleAttachObserver(string host, string jobId) : IAttachObserver
{
    private long _lostAt;

    public void Disconnected(long offset, string reason)
    {
        _lostAt = offset;
        Console.Error.WriteLine($"sessionkeeper: connection to {host} lost at byte {offset} ({reason.TrimEnd('.')}); job {jobId} keeps running there. Reconnecting...");
    }

    public void Retrying(int attempt, TimeSpan delay, string reason) =>
        Console.Error.WriteLine($"sessionkeeper: attempt {attempt - 1} failed ({reason.TrimEnd('.')}); attempt {attempt} in {delay.TotalSeconds:0.0} s (lost at byte {_lostAt}).");

    public void Reconnected(TimeSpan gap, long offset) =>
        Console.Error.WriteLine($"sessionkeeper: reconnected to {host} after {gap.TotalSeconds:0.0} s; resuming at byte {offset}.");
}
