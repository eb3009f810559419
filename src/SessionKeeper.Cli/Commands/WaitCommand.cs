using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Cli.Commands;

/// <summary>`wait HOST JOB`: waits for the job to end (reconnecting as needed) and exits with its code.</summary>
internal static class WaitCommand
{
    public static Command Create(SshOptions ssh)
    {
        var job = JobTarget.Argument();
        var command = new Command("wait", "Wait for a job to finish; exit with its exit code.") { job };
        ssh.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var resolved = JobTarget.Resolve(result, job, ssh);
            var target = resolved.Target;
            var id = resolved.JobId;
            var cancel = cancellationToken;
            try
            {
                var status = await resolved.Keeper.WaitAsync(id.Value, target, Verbosities.Of(result) >= Verbosity.Status ? new RetryReport(id.Value) : null, cancel);
                return FollowedJob.ExitCode(target, status);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                Console.Error.WriteLine($"sessionkeeper: stopped waiting; job {id} keeps running on {target.Label}.");
                return 130;
            }
        });
        return command;
    }

    /// <summary>A lost connection is retried for as long as the user waits; each retry is said on stderr.</summary>
    private sealed class RetryReport(string id) : IAttachObserver
    {
        public void Retrying(int attempt, TimeSpan delay, string reason) =>
            Console.Error.WriteLine($"sessionkeeper: {reason.TrimEnd('.')}; job {id} keeps running. Retrying in {delay.TotalSeconds:0.0} s.");

        public void Disconnected(long offset, string reason)
        {
        }

        public void Reconnected(TimeSpan gap, long offset)
        {
        }
    }
}
