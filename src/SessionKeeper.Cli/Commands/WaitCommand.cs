using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper.Cli.Commands;

/// <summary>`wait HOST JOB`: waits for the job to end (reconnecting as needed) and exits with its code.</summary>
internal static class WaitCommand
{
    public static Command Create(SshOptions ssh, Func<CancellationToken> interrupt)
    {
        var job = JobTarget.Argument();
        var command = new Command("wait", "Wait for a job to finish; exit with its exit code.") { job };
        ssh.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            var resolved = JobTarget.Resolve(result, job, ssh);
            var target = resolved.Target;
            var id = resolved.JobId;
            var cancel = interrupt();
            IRemoteSession? session = null;

            // A lost connection is retried for as long as the user waits; each status that comes back
            // starts the backoff again.
            var reconnect = Reconnect.Pipeline(
                RetryPolicy.Default,
                TimeProvider.System,
                Reconnect.SharedRandom,
                (_, delay, failure) => Console.Error.WriteLine(
                    $"sessionkeeper: {failure?.Message.TrimEnd('.')}; job {id} keeps running. Retrying in {delay.TotalSeconds:0.0} s."));
            try
            {
                while (true)
                {
                    var status = await reconnect.ExecuteAsync(
                        async ct =>
                        {
                            try
                            {
                                var open = session ??= await Session.OpenAsync(target, ct);
                                return await Session.WithTimeoutAsync(target.Label, Session.ControlTimeout, c => new JobClient(open).StatusAsync(id, c), ct);
                            }
                            catch (SessionKeeperException ex) when (ex.IsRetryable && session is not null)
                            {
                                await session.DisposeAsync();
                                session = null;
                                throw;
                            }
                        },
                        cancel);
                    if (status.State.IsFinished())
                    {
                        resolved.Record(status);
                        return Foreground.Outcome(target, status);
                    }

                    await Task.Delay(TimeSpan.FromSeconds(1), cancel);
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                Console.Error.WriteLine($"sessionkeeper: stopped waiting; job {id} keeps running on {target.Label}.");
                return 130;
            }
            finally
            {
                if (session is not null)
                {
                    await session.DisposeAsync();
                }
            }
        });
        return command;
    }
}
