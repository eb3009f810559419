using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Cli.Commands;

/// <summary>`rm HOST JOB`: removes a finished job's directory; a running job is refused.</summary>
internal static class RmCommand
{
    public static Command Create(SshOptions ssh, Func<CancellationToken> interrupt)
    {
        var job = JobTarget.Argument();
        var command = new Command("rm", "Remove a finished job's directory from the host (and its journal record).") { job };
        ssh.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            var resolved = JobTarget.Resolve(result, job, ssh);
            var target = resolved.Target;
            var id = resolved.JobId;
            await using var session = await Session.OpenAsync(target, interrupt());
            await Session.WithTimeoutAsync(target.Label, Session.ControlTimeout, async ct =>
            {
                await new JobClient(session).RemoveAsync(id, ct);
                return 0;
            }, interrupt());
            if (resolved.Known is { } known)
            {
                resolved.Journal?.Delete(id);
                LocalFiles.DeleteMirror(known.MirrorPath);
            }

            Console.WriteLine($"{id}: removed.");
            return 0;
        });
        return command;
    }
}
