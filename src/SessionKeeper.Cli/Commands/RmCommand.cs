using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Cli.Commands;

/// <summary>`rm HOST JOB`: removes a finished job's directory; a running job is refused.</summary>
internal static class RmCommand
{
    public static Command Create(SshOptions ssh, Func<CancellationToken> interrupt)
    {
        var host = CommonArguments.Host();
        var job = CommonArguments.Job();
        var command = new Command("rm", "Remove a finished job's directory from the host.") { host, job };
        ssh.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            var target = ssh.Resolve(result, result.GetValue(host)!);
            var id = JobId.Validate(result.GetValue(job));
            await using var session = await Session.OpenAsync(target, interrupt());
            await Session.WithTimeoutAsync(target.Label, Session.ControlTimeout, async ct =>
            {
                await new JobClient(session).RemoveAsync(id, ct);
                return 0;
            }, interrupt());
            Console.WriteLine($"{id}: removed.");
            return 0;
        });
        return command;
    }
}
