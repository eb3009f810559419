using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Commands;

/// <summary>`logs HOST JOB [--tail N] [--follow] [--stdout|--stderr]`: what the job's output holds, then optionally its future.</summary>
internal static class LogsCommand
{
    public static Command Create(SshOptions ssh, StreamOptions streamOptions)
    {
        var job = JobTarget.Argument();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new output until the job ends." };
        var tail = new Option<int?>("--tail", "-n") { Description = "Start with the last N lines (of each stream)." };
        var stdoutOnly = new Option<bool>("--stdout") { Description = "Print only the job's stdout." };
        var stderrOnly = new Option<bool>("--stderr") { Description = "Print only the job's stderr." };
        var command = new Command("logs", "Print a job's output so far: stdout and stderr together on stdout, or one of them.") { job, follow, tail, stdoutOnly, stderrOnly };
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

            var (outOnly, errOnly) = (result.GetValue(stdoutOnly), result.GetValue(stderrOnly));
            if (outOnly && errOnly)
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, "--stdout and --stderr pick one stream each; without either, logs prints both.");
            }

            // Both streams on our stdout, in the order they arrive; or the one asked for.
            var stdout = Console.OpenStandardOutput();
            var outputs = new JobStreams(errOnly ? null : stdout, outOnly ? null : stdout);
            var options = result.GetValue(follow) ? streamOptions.Resolve(result, target) : null;
            var cancel = cancellationToken;
            try
            {
                var status = await resolved.Keeper.ReadLogAsync(id.Value, target, outputs, result.GetValue(tail), options, Verbosities.Of(result) >= Verbosity.Status ? new ConsoleAttachObserver(target.Label, id.Value) : null, cancel);
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
