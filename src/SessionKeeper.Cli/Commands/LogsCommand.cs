using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Commands;

/// <summary>`logs HOST JOB [--tail N] [--follow]`: what the job's log holds, then optionally its future.</summary>
internal static class LogsCommand
{
    public static Command Create(SshOptions ssh, StreamOptions streamOptions)
    {
        var job = JobTarget.Argument();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new output until the job ends." };
        var tail = new Option<int?>("--tail", "-n") { Description = "Start with the last N lines." };
        var command = new Command("logs", "Print a job's output so far.") { job, follow, tail };
        ssh.AddTo(command);
        streamOptions.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var resolved = JobTarget.Resolve(result, job, ssh);
            var target = resolved.Target;
            var id = resolved.JobId;
            if (result.GetValue(tail) is < 0)
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, "--tail must be 0 or more.");
            }

            var options = result.GetValue(follow) ? streamOptions.Resolve(result, target) : null;
            var cancel = cancellationToken;
            try
            {
                var status = await resolved.Keeper.ReadLogAsync(id, target, Console.OpenStandardOutput(), result.GetValue(tail), options, new ConsoleAttachObserver(target.Label, id), cancel);
                return status is null ? 0 : FollowedJob.ExitCode(target, status);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return 130;
            }
        });
        return command;
    }
}
