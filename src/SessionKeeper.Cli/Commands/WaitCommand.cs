using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;

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
            var attempt = 0;
            try
            {
                while (true)
                {
                    try
                    {
                        session ??= await Session.OpenAsync(target, cancel);
                        var status = await Session.WithTimeoutAsync(target.Label, Session.ControlTimeout, ct => new JobClient(session).StatusAsync(id, ct), cancel);
                        attempt = 0;
                        if (status.State.IsFinished())
                        {
                            resolved.Record(status);
                            return Foreground.Outcome(target, status);
                        }

                        await Task.Delay(TimeSpan.FromSeconds(1), cancel);
                    }
                    catch (SessionKeeperException ex) when (ex.IsRetryable && !cancel.IsCancellationRequested)
                    {
                        if (session is not null)
                        {
                            await session.DisposeAsync();
                            session = null;
                        }

                        var delay = FullJitterBackoff.Delay(attempt++, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), Random.Shared);
                        Console.Error.WriteLine($"sessionkeeper: {ex.Message.TrimEnd('.')}; job {id} keeps running. Retrying in {delay.TotalSeconds:0.0} s.");
                        await Task.Delay(delay, cancel);
                    }
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
