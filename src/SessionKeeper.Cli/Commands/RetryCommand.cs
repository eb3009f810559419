using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Commands;

/// <summary>
/// `retry JOB`: launches, on purpose, a job that never ran (not launched, skipped, or planned by a
/// process that died before sending it), with its own id and cookie; a finished job is run again
/// as a new attempt. Resume and the daemon never do either.
/// </summary>
internal static class RetryCommand
{
    public static Command Create(StreamOptions streamOptions)
    {
        var id = new Argument<string>("job") { Description = "The job id (a unique prefix is enough)." };
        var detach = new Option<bool>("--detach", "-d") { Description = "Print the job id and return once it is launched." };
        var killOnInterrupt = new Option<bool>("--kill-on-interrupt") { Description = "Ctrl-C kills the job instead of detaching." };
        var command = new Command("retry", "Launch a job that was never launched (or run a finished one again, as a new attempt).") { id, detach, killOnInterrupt };
        streamOptions.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var detached = result.GetValue(detach);
            var verbosity = Verbosities.Of(result);
            var keeper = Keepers.Open(result, new ConsoleSupervisionObserver(detached ? verbosity.AtMost(Verbosity.Outcome) : verbosity));
            var job = keeper.Resolve(result.GetValue(id)!);
            if (job.Phase is JournalPhase.Intent or JournalPhase.Launched)
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, $"job {job.Id} was launched (it is {job.StateText}); follow it with `sessionkeeper attach {job.Id}` or `sessionkeeper resume`.");
            }

            job = keeper.PlanRetry(job.Id.Value);
            var target = SshTransport.ToTarget(job.Endpoint);
            if (detached)
            {
                var handle = await keeper.StartRetryAsync(job, cancellationToken);
                Console.WriteLine(job.Id);
                return handle.Launched.State == JobState.Lost ? FollowedJob.ExitCode(target, handle.Launched) : 0;
            }

            var attach = streamOptions.Resolve(result, target);
            var outputs = FollowedJob.ConsoleStreams();
            var onInterrupt = result.GetValue(killOnInterrupt) ? InterruptMode.Kill : InterruptMode.Detach;
            return await FollowedJob.FollowAsync(keeper, target, job.Id, onInterrupt, (detach, kill) => keeper.RetryAsync(job, outputs, attach, detach, kill), cancellationToken);
        });
        return command;
    }
}
