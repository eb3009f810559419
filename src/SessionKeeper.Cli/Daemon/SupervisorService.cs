using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Daemon;

/// <summary>
/// Supervises every unfinished job in the journal: keeps mirrors current, records exit codes,
/// reconnects through drops, applies restart policies, and picks up jobs the CLI launches later.
/// </summary>
internal sealed class SupervisorService(DaemonSettings settings, ILogger<SupervisorService> logger, Broker.BrokerPool? pool = null) : BackgroundService
{
    /// <summary>The roots (chains of attempts) handed to a worker and not finished yet.</summary>
    private readonly ConcurrentDictionary<JobId, byte> _supervised = new();

    /// <summary>Per root, what its last supervision threw unexpectedly: thrown when the daemon stops.</summary>
    private readonly ConcurrentDictionary<JobId, ExceptionDispatchInfo> _faults = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // With the broker, the daemon's own connections are the pool's: one limit per host for everyone.
        var keeper = Keepers.Open(settings.StateRoot, new LoggingSupervisionObserver(logger), transport: pool is null ? null : new Broker.PooledTransport(pool, SshTransport.Default), journal: settings.Journal);
        var journal = keeper.Journal;
        var marked = journal.MarkUnfinishedToBeChecked();
        DaemonLog.Started(logger, journal.Unfinished().Count, journal.Path, marked);
        try
        {
            await BoundedParallel.RunAsync(Due(journal, stoppingToken), settings.Parallel, null, async (job, _, ct) =>
            {
                await SuperviseAsync(keeper, job, ct);
                return false;
            }, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        _faults.Values.FirstOrDefault()?.Throw();
        DaemonLog.Stopping(logger, journal.Unfinished().Count);
    }

    /// <summary>
    /// Every poll, the unfinished jobs whose root is not supervised already, in journal order;
    /// each is asked for when a worker is free. Roots still supervised when the journal is read
    /// are left to the next poll, even if they end meanwhile: their rows may be stale by then.
    /// </summary>
    private async IAsyncEnumerable<JournalJob> Due(JobJournal journal, [EnumeratorCancellation] CancellationToken stoppingToken)
    {
        while (true)
        {
            var busy = _supervised.Keys.ToHashSet();
            foreach (var job in journal.Unfinished())
            {
                var root = job.RootId ?? job.Id;
                if (!busy.Contains(root) && _supervised.TryAdd(root, 0))
                {
                    yield return job;
                }
            }

            await Task.Delay(settings.PollInterval, stoppingToken);
        }
    }

    private async Task SuperviseAsync(JobKeeper keeper, JournalJob job, CancellationToken stoppingToken)
    {
        var root = job.RootId ?? job.Id;
        try
        {
            DaemonLog.Supervising(logger, job.Id.Value, job.Endpoint.Label);
            var supervised = await keeper.AttachAsync(job.Id.Value, null, null, settings.Stream, stoppingToken);
            DaemonLog.Finished(logger, supervised.Job.Id.Value, job.Endpoint.Label, supervised.Status.Describe());
            _faults.TryRemove(root, out _);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _faults.TryRemove(root, out _);
        }
        catch (SessionKeeperException ex)
        {
            // Unreachable for longer than the give-up time, or refused: the next poll tries again.
            _faults.TryRemove(root, out _);
            DaemonLog.Failed(logger, job.Id.Value, job.Endpoint.Label, ex.Message.TrimEnd('.'));
        }
        catch (Exception ex)
        {
            // Not the others' business: the next poll tries this root again, and the daemon's
            // stop throws it if it is still this root's last word.
            _faults[root] = ExceptionDispatchInfo.Capture(ex);
        }
        finally
        {
            _supervised.TryRemove(root, out _);
        }
    }
}

internal sealed record DaemonSettings(string StateRoot, int Parallel, TimeSpan PollInterval, AttachOptions Stream, string? Journal = null);
