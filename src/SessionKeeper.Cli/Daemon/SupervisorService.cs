using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper.Cli.Daemon;

/// <summary>
/// Supervises every unfinished job in the journal: keeps mirrors current, records exit codes,
/// reconnects through drops, applies restart policies, and picks up jobs the CLI launches later.
/// </summary>
internal sealed class SupervisorService(DaemonSettings settings, ILogger<SupervisorService> logger) : BackgroundService
{
    private readonly Dictionary<string, Task> _supervised = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var journal = JobJournal.Open(settings.StateRoot);
        var marked = journal.MarkUnfinishedToBeChecked();
        DaemonLog.Started(logger, journal.Unfinished().Count, journal.Path, marked);
        var supervisor = new JobSupervisor(journal, Endpoints.Connect, settings.StateRoot, new LoggingSupervisionObserver(logger));
        using var slots = new SemaphoreSlim(settings.Parallel);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var job in journal.Unfinished())
                {
                    var root = job.RootId ?? job.Id;
                    if (_supervised.TryGetValue(root, out var running) && !running.IsCompleted)
                    {
                        continue;
                    }

                    _supervised[root] = SuperviseAsync(supervisor, job, slots, stoppingToken);
                }

                await Task.Delay(settings.PollInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(_supervised.Values);
        DaemonLog.Stopping(logger, journal.Unfinished().Count);
    }

    private async Task SuperviseAsync(JobSupervisor supervisor, JournalJob job, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            await slots.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            DaemonLog.Supervising(logger, job.Id, job.Endpoint.Label);
            var (last, status) = await supervisor.SuperviseAsync(job, null, null, settings.Stream, stoppingToken);
            DaemonLog.Finished(logger, last.Id, job.Endpoint.Label, status.Describe());
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (SessionKeeperException ex)
        {
            // Unreachable for longer than the give-up time, or refused: the next poll tries again.
            DaemonLog.Failed(logger, job.Id, job.Endpoint.Label, ex.Message.TrimEnd('.'));
        }
        finally
        {
            slots.Release();
        }
    }
}

internal sealed record DaemonSettings(string StateRoot, int Parallel, TimeSpan PollInterval, AttachOptions Stream);
