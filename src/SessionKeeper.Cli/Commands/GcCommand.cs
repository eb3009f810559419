using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Cli.Commands;

/// <summary>`gc HOST [--older-than D]`: removes finished job directories on the host and their local records.</summary>
internal static class GcCommand
{
    public static Command Create(SshOptions ssh, Func<CancellationToken> interrupt)
    {
        var host = CommonArguments.Host();
        var olderThan = new Option<string?>("--older-than") { Description = "Only jobs that ended at least this long ago (default 0: every finished job)." };
        var command = new Command("gc", "Remove finished jobs from a host and from the local journal; running jobs are never touched.") { host, olderThan };
        ssh.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            var target = ssh.Resolve(result, result.GetValue(host)!);
            var age = result.GetValue(olderThan) is { } text ? Durations.Parse(text, "--older-than") : TimeSpan.Zero;
            await using var session = await Session.OpenAsync(target, interrupt());
            var removed = await Session.WithTimeoutAsync(target.Label, TimeSpan.FromMinutes(2), ct => new JobClient(session).CollectGarbageAsync(age, ct), interrupt());
            var journal = JobJournal.Open(StatePaths.Root(result.GetValue(CommonArguments.StateDir)));
            foreach (var id in removed)
            {
                if (journal.Get(id) is { } known && known.Endpoint.Host == target.Host && known.Endpoint.Port == target.Port && known.Endpoint.User == target.User)
                {
                    journal.Delete(id);
                    LocalFiles.DeleteMirror(known.MirrorPath);
                }

                Console.WriteLine($"{id}: removed.");
            }

            Console.Error.WriteLine($"sessionkeeper: {removed.Count} finished job(s) removed from {target.Label}.");
            return 0;
        });
        return command;
    }
}
