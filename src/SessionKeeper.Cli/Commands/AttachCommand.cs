using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;

namespace SessionKeeper.Cli.Commands;

/// <summary>`attach [HOST] JOB`: the job's whole output, live, through drops; exits with its exit code.</summary>
internal static class AttachCommand
{
    public static Command Create(SshOptions ssh, StreamOptions streamOptions)
    {
        var job = JobTarget.Argument();
        var interrupts = new InterruptOptions();
        var command = new Command("attach", "Follow a job's output until it ends, resuming after drops.") { job };
        interrupts.AddTo(command);
        ssh.AddTo(command);
        streamOptions.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var resolved = JobTarget.Resolve(result, job, ssh, new ConsoleSupervisionObserver(Verbosities.Of(result)));
            var target = resolved.Target;
            var options = streamOptions.Resolve(result, target);
            var outputs = FollowedJob.ConsoleStreams();
            return await FollowedJob.FollowAsync(
                resolved.Keeper,
                target,
                resolved.JobId,
                interrupts.Resolve(result),
                (detach, kill) => resolved.Keeper.AttachAsync(resolved.JobId.Value, target, outputs, options, detach, kill),
                cancellationToken);
        });
        return command;
    }
}
