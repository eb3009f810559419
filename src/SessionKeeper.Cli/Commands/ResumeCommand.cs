using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Commands;

/// <summary>
/// `resume`: after a crash, a reboot or a closed terminal, brings every unfinished job of the
/// journal up to date in parallel: finishes interrupted launches, fills the mirrors, records exit codes.
/// A job whose launch request was never sent (not launched, skipped) is never started here.
/// </summary>
internal static class ResumeCommand
{
    public static Command Create(StreamOptions streamOptions)
    {
        var parallel = new Option<int>("--parallel", "-j") { Description = "Jobs handled at once (default 16).", DefaultValueFactory = _ => 16 };
        var host = new Option<string?>("--host") { Description = "Only jobs on this host." };
        var command = new Command("resume", "Reattach every unfinished job in the journal and bring it up to date.") { parallel, host };
        streamOptions.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var keeper = Keepers.Open(result, new ConsoleSupervisionObserver(Verbosities.Of(result).AtMost(Verbosity.Outcome)));
            var options = streamOptions.Resolve(result);
            options = options with { GiveUpAfter = options.GiveUpAfter ?? TimeSpan.FromMinutes(2) };
            var limit = result.GetValue(parallel);
            if (limit < 1)
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, "--parallel must be at least 1.");
            }

            var hostFilter = result.GetValue(host);
            var jobs = keeper.Unfinished().Where(j => hostFilter is null || j.Name == hostFilter || j.Endpoint.Host == hostFilter || j.Endpoint.Label == hostFilter).ToList();
            var notStarted = keeper.NotStarted().Count(j => hostFilter is null || j.Name == hostFilter || j.Endpoint.Host == hostFilter || j.Endpoint.Label == hostFilter);
            if (notStarted > 0)
            {
                // Never sent, so never started here: the user was told they failed or were skipped.
                Console.Error.WriteLine($"sessionkeeper: {notStarted} job(s) were never launched (see `sessionkeeper jobs --state not-launched`, `--state skipped`); resume leaves them: launch one with `sessionkeeper retry JOB`, a batch with `sessionkeeper batch resume B`.");
            }

            if (jobs.Count == 0)
            {
                Console.WriteLine("nothing to resume.");
                return 0;
            }

            var gate = new object();
            var failures = await BoundedParallel.RunAsync(jobs, limit, null, async (job, _, ct) =>
            {
                string line;
                var failed = false;
                try
                {
                    var resumed = await keeper.AttachAsync(job.Id.Value, null, null, streamOptions.Resolve(result, SshTransport.ToTarget(job.Endpoint)) with { GiveUpAfter = options.GiveUpAfter }, ct);
                    line = $"{resumed.Job.Id}\t{job.DisplayName}\t{resumed.Status.Describe()}";
                }
                catch (SessionKeeperException ex) when (!ct.IsCancellationRequested)
                {
                    failed = true;
                    line = $"{job.Id}\t{job.DisplayName}\tnot resumed: {ex.Message}";
                }

                lock (gate)
                {
                    Console.WriteLine(line);
                }

                return failed;
            }, cancellationToken);
            return failures == 0 ? 0 : ExitCodes.ConnectionLost;
        });
        return command;
    }
}
