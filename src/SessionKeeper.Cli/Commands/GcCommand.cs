using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Cli.Commands;

/// <summary>`gc HOST [--older-than D]`: removes finished job directories on the host and their local records.</summary>
internal static class GcCommand
{
    public static Command Create(SshOptions ssh)
    {
        var host = CommonArguments.Host();
        var olderThan = new Option<string?>("--older-than") { Description = "Only jobs that ended at least this long ago (default 0: every finished job)." };
        var command = new Command("gc", "Remove finished jobs from a host and from the local journal; running jobs are never touched.") { host, olderThan };
        ssh.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var target = ssh.Resolve(result, result.GetValue(host)!);
            var age = result.GetValue(olderThan) is { } text ? Durations.Parse(text, "--older-than") : TimeSpan.Zero;
            var removed = await Keepers.Open(result).CollectGarbageAsync(target, age, cancellationToken);
            foreach (var id in removed)
            {
                Console.WriteLine($"{id}: removed.");
            }

            Console.Error.WriteLine($"sessionkeeper: {removed.Count} finished job(s) removed from {target.Label}.");
            return 0;
        });
        return command;
    }
}
