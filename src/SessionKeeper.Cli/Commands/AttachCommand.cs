using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;

namespace SessionKeeper.Cli.Commands;

/// <summary>`attach [HOST] JOB`: the job's whole output, live, through drops; exits with its exit code.</summary>
internal static class AttachCommand
{
    public static Command Create(SshOptions ssh, StreamOptions streamOptions, Func<CancellationToken> interrupt)
    {
        var job = JobTarget.Argument();
        var interrupts = new InterruptOptions();
        var command = new Command("attach", "Follow a job's output until it ends, resuming after drops.") { job };
        interrupts.AddTo(command);
        ssh.AddTo(command);
        streamOptions.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            var target = JobTarget.Resolve(result, job, ssh);
            var options = streamOptions.Resolve(result, target.Target);
            var stateRoot = StatePaths.Root(result.GetValue(CommonArguments.StateDir));
            return await Foreground.AttachAsync(target, stateRoot, options, interrupts.Resolve(result), interrupt());
        });
        return command;
    }
}
