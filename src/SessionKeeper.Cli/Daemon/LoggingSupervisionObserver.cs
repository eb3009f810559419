using Microsoft.Extensions.Logging;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper.Cli.Daemon;

/// <summary>Supervision events into the daemon's log; reconnect noise is bounded per job.</summary>
internal sealed class LoggingSupervisionObserver(ILogger logger) : ISupervisionObserver
{
    public IAttachObserver ForStream(JournalJob job) => new StreamLog(logger, job);

    public void Launched(JournalJob job, JobStatus status) => DaemonLog.Launched(logger, job.Id.Value, job.Endpoint.Label, status.Pid);

    public void Restarting(JournalJob finished, JobStatus status, int nextAttempt, TimeSpan delay) =>
        DaemonLog.Restarting(logger, finished.Id.Value, status.Describe(), nextAttempt, delay.TotalSeconds);

    public void LaunchRetry(JournalJob job, string reason) => DaemonLog.Failed(logger, job.Id.Value, job.Endpoint.Label, reason);

    public void Warning(JournalJob job, string warning) => DaemonLog.Failed(logger, job.Id.Value, job.Endpoint.Label, warning);

    private sealed class StreamLog(ILogger logger, JournalJob job) : IAttachObserver
    {
        public void Disconnected(long offset, string reason) => DaemonLog.Disconnected(logger, job.Id.Value, job.Endpoint.Label, offset, reason);

        public void Retrying(int attempt, TimeSpan delay, string reason)
        {
            // Attempts are logged at 1, 2, 4, 8...: a host down for a day does not flood the log.
            if ((attempt & (attempt - 1)) == 0)
            {
                DaemonLog.Failed(logger, job.Id.Value, job.Endpoint.Label, $"reconnect attempt {attempt - 1} failed ({reason.TrimEnd('.')})");
            }
        }

        public void Reconnected(TimeSpan gap, long offset) => DaemonLog.Reconnected(logger, job.Id.Value, job.Endpoint.Label, Math.Round(gap.TotalSeconds, 1), offset);
    }
}
