using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Cli.Commands;

/// <summary>
/// `rm HOST JOB`: removes a finished job's directory; a running job is refused. `rm --local JOB`
/// forgets a job locally (journal record and mirror) without connecting: for a host that is gone,
/// or a job that was never launched.
/// </summary>
internal static class RmCommand
{
    public static Command Create(SshOptions ssh)
    {
        var job = JobTarget.Argument();
        var local = new Option<bool>("--local") { Description = "Only drop the journal record and the local mirror; do not connect to the host." };
        var command = new Command("rm", "Remove a finished job's directory from the host (and its journal record).") { job, local };
        ssh.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(local))
            {
                return Forget(result, job);
            }

            var resolved = JobTarget.Resolve(result, job, ssh);
            var target = resolved.Target;
            var id = resolved.JobId;
            await resolved.Keeper.RemoveAsync(id.Value, target, cancellationToken);
            Console.WriteLine($"{id}: removed.");
            return 0;
        });
        return command;
    }

    private static int Forget(ParseResult result, Argument<string[]> argument)
    {
        var words = result.GetValue(argument) ?? [];
        var job = Keepers.Open(result).Forget(words[^1]);
        if (job.Phase is JournalPhase.Intent or JournalPhase.Launched)
        {
            Console.Error.WriteLine($"sessionkeeper: warning: job {job.Id} may still be running on {job.Endpoint.Label}; it is no longer followed from here (its directory stays there).");
        }

        Console.WriteLine($"{job.Id}: removed from the journal.");
        return 0;
    }
}
