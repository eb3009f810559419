using System.CommandLine;
using SessionKeeper.Cli.Fleet;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Fleet.Runs;
using SessionKeeper.Core.Fleet.Targets;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Commands;

/// <summary>`batch list|status|resume|kill|retry`: fleet runs, as journaled.</summary>
internal static class BatchCommand
{
    public static Command Create(StreamOptions streamOptions)
    {
        var command = new Command("batch", "Fleet runs (batches) in the journal.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Resume(streamOptions));
        command.Subcommands.Add(Kill());
        command.Subcommands.Add(Retry(streamOptions));
        return command;
    }

    private static Argument<string> BatchArgument() => new("batch") { Description = "The batch id printed by run (a unique prefix is enough)." };

    private static Command List()
    {
        var command = new Command("list", "List the batches in the journal.");
        command.SetAction(result =>
        {
            var journal = Open(result);
            Console.WriteLine($"{"BATCH",-16} {"HOSTS",5}  {"CREATED",-19}  STATES");
            foreach (var batch in journal.List().Where(j => j.BatchId is not null).GroupBy(j => j.BatchId!))
            {
                var latest = Latest(batch);
                var states = string.Join(", ", latest.GroupBy(State).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
                Console.WriteLine($"{batch.Key,-16} {latest.Count,5}  {batch.Min(j => j.CreatedAt).ToLocalTime():yyyy-MM-dd HH:mm:ss}  {states}");
            }

            return 0;
        });
        return command;
    }

    private static Command Status()
    {
        var batch = BatchArgument();
        var command = new Command("status", "Show every host of a batch, as last seen.") { batch };
        command.SetAction(result =>
        {
            var (_, jobs) = Resolve(result, batch);
            // Hosts as they were named, in natural order (h2 before h10); TARGET is where each resolved to.
            var table = new TextTable("HOST", "STATE", "EXIT", "ATTEMPT", "JOB", "TARGET").AlignRight(2).AlignRight(3);
            foreach (var job in jobs.OrderBy(j => j.DisplayName, NaturalOrder.Instance).ThenBy(j => j.Id.Value, StringComparer.Ordinal))
            {
                table.Add(job.DisplayName, State(job), job.LastStatus?.ShellExitCode?.ToString() ?? "-", job.Attempt.ToString(), job.Id.Value, job.Endpoint.Label);
            }

            table.WriteTo(Console.Out);
            return 0;
        });
        return command;
    }

    private static Command Resume(StreamOptions streamOptions)
    {
        var batch = BatchArgument();
        var fleet = new FleetArguments();
        var command = new Command("resume", "Carry on a batch: launch hosts never launched, reattach running ones; none is launched twice.") { batch };
        AddRunOptions(command, fleet, streamOptions);
        command.SetAction(async (result, cancellationToken) =>
        {
            var (journal, jobs) = Resolve(result, batch);
            var batchId = jobs[0].BatchId!;
            var unfinished = jobs.Where(j => j.IsUnfinished).ToList();
            var (mode, parallel, stream) = (fleet.Mode(result), fleet.ParallelLimit(result), fleet.Stream(result, streamOptions));
            var limit = FleetFollow.MaxFailures(result.GetValue(fleet.MaxFailures), unfinished.Count);
            if (unfinished.Count == 0)
            {
                Console.Error.WriteLine($"sessionkeeper: batch {batchId} has nothing left to resume.");
                return FleetOutcomes.ExitCode(jobs.Select(Outcome));
            }

            // Asked for by name: hosts never launched (skipped, not launched) are launched now.
            return await FleetFollow.RunAsync(Keepers.Open(result), batchId, unfinished, mode, parallel, limit, stream, null, cancellationToken);
        });
        return command;
    }

    private static Command Retry(StreamOptions streamOptions)
    {
        var batch = BatchArgument();
        var failed = new Option<bool>("--failed") { Description = "Rerun the hosts whose job failed, was killed, timed out or was lost (required)." };
        var fleet = new FleetArguments();
        var command = new Command("retry", "Rerun a batch's failed hosts only, as new attempts.") { batch, failed };
        AddRunOptions(command, fleet, streamOptions);
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!result.GetValue(failed))
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, "say which hosts to retry: batch retry BATCH --failed.");
            }

            var (_, jobs) = Resolve(result, batch);
            var batchId = jobs[0].BatchId!;
            var (mode, parallel, stream) = (fleet.Mode(result), fleet.ParallelLimit(result), fleet.Stream(result, streamOptions));
            var failedJobs = jobs
                .Where(j => j.Phase == JournalPhase.Finished && Outcome(j) is FleetOutcome.Failed or FleetOutcome.Killed or FleetOutcome.TimedOut or FleetOutcome.Lost)
                .ToList();
            if (failedJobs.Count == 0)
            {
                Console.Error.WriteLine($"sessionkeeper: batch {batchId} has no failed host.");
                return 0;
            }

            var limit = FleetFollow.MaxFailures(result.GetValue(fleet.MaxFailures), failedJobs.Count);
            var keeper = Keepers.Open(result);
            var retries = keeper.PlanBatchRetry(failedJobs, cancellationToken);
            Console.Error.WriteLine($"sessionkeeper: batch {batchId}: retrying {retries.Count} failed host(s).");
            return await FleetFollow.RunAsync(keeper, batchId, retries, mode, parallel, limit, stream, null, cancellationToken);
        });
        return command;
    }

    private static Command Kill()
    {
        var batch = BatchArgument();
        var grace = new Option<string?>("--grace") { Description = "Time between SIGTERM and SIGKILL (default 10s)." };
        var parallel = new Option<int>("--parallel", "-j") { Description = "Hosts handled at once (default 32).", DefaultValueFactory = _ => 32 };
        var signal = KillCommand.SignalOption();
        var command = new Command("kill", "Kill every running job of a batch (or send each one --signal).") { batch, grace, parallel, signal };
        command.SetAction(async (result, cancellationToken) =>
        {
            var (_, jobs) = Resolve(result, batch);
            var keeper = Keepers.Open(result);
            var graceTime = result.GetValue(grace) is { } g ? Durations.Parse(g, "--grace") : JobSpec.DefaultGrace;
            var only = result.GetValue(signal) is { } s ? SignalNames.Parse(s, "--signal") : null;
            var gate = new object();
            var failures = await BoundedParallel.RunAsync(
                jobs.Where(j => j.Phase == JournalPhase.Launched).ToList(),
                Math.Max(1, result.GetValue(parallel)),
                null,
                async (job, _, ct) =>
                {
                    string line;
                    var failed = false;
                    try
                    {
                        var (status, signalled) = only is null
                            ? await keeper.KillAsync(job.Id.Value, graceTime, null, ct)
                            : await keeper.SignalAsync(job.Id.Value, only, null, ct);
                        line = $"{job.DisplayName}\t{job.Id}\t{(signalled == "none" ? "nothing sent" : KillCommand.Shown(signalled))}\t{status.Describe()}";
                        failed = only is null && status.State is JobState.Running or JobState.Starting;
                    }
                    catch (SessionKeeperException ex)
                    {
                        failed = true;
                        line = $"{job.DisplayName}\t{job.Id}\tnot killed: {ex.Message}";
                    }

                    lock (gate)
                    {
                        Console.WriteLine(line);
                    }

                    return failed;
                },
                cancellationToken);
            return failures == 0 ? 0 : ExitCodes.Unreachable;
        });
        return command;
    }

    private static void AddRunOptions(Command command, FleetArguments fleet, StreamOptions streamOptions)
    {
        fleet.AddTo(command);
        streamOptions.AddTo(command);
    }

    private static string StateRoot(ParseResult result) => StatePaths.Root(result.GetValue(CommonArguments.StateDir));

    private static JobJournal Open(ParseResult result) => JobJournal.Open(StateRoot(result), result.GetValue(CommonArguments.Journal));

    /// <summary>The batch's latest attempt per host.</summary>
    private static (JobJournal Journal, List<JournalJob> Jobs) Resolve(ParseResult result, Argument<string> argument)
    {
        var journal = Open(result);
        var prefix = result.GetValue(argument)!;
        var batches = journal.List().Where(j => j.BatchId is { } b && b.StartsWith(prefix, StringComparison.Ordinal)).GroupBy(j => j.BatchId!).ToList();
        return batches.Count switch
        {
            0 => throw new SessionKeeperException(FailureKind.JobNotFound, $"no batch '{prefix}' in the journal; see `sessionkeeper batch list`."),
            > 1 when batches.All(b => b.Key != prefix) => throw new SessionKeeperException(FailureKind.InvalidInput, $"'{prefix}' is ambiguous: {string.Join(", ", batches.Select(b => b.Key).Take(5))}; type more of the id."),
            _ => (journal, Latest(batches.FirstOrDefault(b => b.Key == prefix) ?? batches[0])),
        };
    }

    /// <summary>Each host's latest attempt, as `batch status` and the web view list them.</summary>
    internal static List<JournalJob> Latest(IEnumerable<JournalJob> jobs) =>
        [.. jobs.GroupBy(j => j.RootId ?? j.Id).Select(g => g.MaxBy(j => j.Attempt)!).OrderBy(j => j.Id.Value, StringComparer.Ordinal)];

    /// <summary>A host's state in a batch: ok, failed, running, not-launched... (`batch list`, `batch status`, the web view).</summary>
    internal static string State(JournalJob job) => job.Phase switch
    {
        JournalPhase.Planned or JournalPhase.NotLaunched => "not-launched",
        JournalPhase.Intent => "launching",
        JournalPhase.Finished => Outcome(job).ToWire(),
        _ => job.StateText,
    };

    private static FleetOutcome Outcome(JournalJob job) =>
        job.Phase == JournalPhase.Finished && job.LastStatus is { } status ? FleetOutcomes.From(status) : FleetOutcome.NotLaunched;
}
