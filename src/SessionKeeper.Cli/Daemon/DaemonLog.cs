using Microsoft.Extensions.Logging;

namespace SessionKeeper.Cli.Daemon;

/// <summary>The daemon's log messages, with stable event ids.</summary>
internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "supervising {Count} unfinished job(s) from {Journal}; {Checked} marked to be checked")]
    public static partial void Started(ILogger logger, int count, string journal, int @checked);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "job {Id} on {Host}: now supervised")]
    public static partial void Supervising(ILogger logger, string id, string host);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "job {Id} on {Host}: {Outcome}")]
    public static partial void Finished(ILogger logger, string id, string host, string outcome);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "job {Id} on {Host}: {Problem}; will try again")]
    public static partial void Failed(ILogger logger, string id, string host, string problem);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "job {Id} on {Host}: connection lost at byte {Offset} ({Reason})")]
    public static partial void Disconnected(ILogger logger, string id, string host, long offset, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "job {Id} on {Host}: reconnected after {Gap} s at byte {Offset}")]
    public static partial void Reconnected(ILogger logger, string id, string host, double gap, long offset);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "job {Id}: {Status}; restarting as attempt {Attempt} in {Delay} s")]
    public static partial void Restarting(ILogger logger, string id, string status, int attempt, double delay);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "stopping: {Count} job(s) left to be checked at the next start; they keep running on their hosts")]
    public static partial void Stopping(ILogger logger, int count);

    [LoggerMessage(EventId = 9, Level = LogLevel.Debug, Message = "job {Id} on {Host}: launched (pid {Pid})")]
    public static partial void Launched(ILogger logger, string id, string host, int? pid);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "job {Id}: stopped acting on it: {Why}")]
    public static partial void LeaseLost(ILogger logger, string id, string why);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "daemon {DaemonId}: leases of {Lease} s, renewed every third")]
    public static partial void Leasing(ILogger logger, string daemonId, double lease);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "claimed {Count} job(s); holding {Held}")]
    public static partial void Claimed(ILogger logger, int count, int held);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "leases not renewed: {Problem}; trying again")]
    public static partial void LeasesFailed(ILogger logger, string problem);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "leases renewed again after {Seconds:0.#} s; holding {Held}")]
    public static partial void LeasesRenewed(ILogger logger, double seconds, int held);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "journal not read for new jobs: {Problem}; trying again at the next poll")]
    public static partial void PollFailed(ILogger logger, string problem);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "handed {Count} job(s) back to the journal: {Why}")]
    public static partial void HandedBack(ILogger logger, int count, string why);

    [LoggerMessage(EventId = 17, Level = LogLevel.Warning, Message = "job {Id} on {Host}: this daemon cannot authenticate there ({Problem}); its jobs there are left to the other daemons, not failed")]
    public static partial void Refused(ILogger logger, string id, string host, string problem);

    [LoggerMessage(EventId = 18, Level = LogLevel.Information, Message = "job {Id} on {Host}: left to the other daemons (this daemon cannot authenticate there)")]
    public static partial void LeftToOthers(ILogger logger, string id, string host);
}
