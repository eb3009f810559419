using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Cli.Commands;

/// <summary>`kill HOST JOB`: TERM to the job's process group, KILL after --grace, identity checked first.</summary>
internal static class KillCommand
{
    public static Command Create(SshOptions ssh, Func<CancellationToken> interrupt)
    {
        var job = JobTarget.Argument();
        var grace = new Option<string?>("--grace") { Description = "Time between SIGTERM and SIGKILL (default 10s)." };
        var command = new Command("kill", "Stop a job: SIGTERM to its process group, SIGKILL after the grace period.") { job, grace };
        ssh.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            var resolved = JobTarget.Resolve(result, job, ssh);
            var target = resolved.Target;
            var id = resolved.JobId;
            var graceTime = result.GetValue(grace) is { } g ? Durations.Parse(g, "--grace") : JobSpec.DefaultGrace;
            await using var session = await Session.OpenAsync(target, interrupt());
            var (status, signalled) = await Session.WithTimeoutAsync(
                target.Label,
                Session.ControlTimeout + graceTime,
                ct => new JobClient(session).KillAsync(id, graceTime, ct),
                interrupt());
            resolved.Record(status);
            Console.WriteLine(signalled == "none"
                ? $"{id}: not running ({status.Describe()}); no signal sent."
                : $"{id}: sent SIG{signalled}; {status.Describe()}.");
            if (status.State is JobState.Running or JobState.Starting)
            {
                Console.Error.WriteLine($"sessionkeeper: job {id} on {target.Label} is still running after SIG{signalled}; see `sessionkeeper status {id}`.");
                return ExitCodes.StillRunning;
            }

            return 0;
        });
        return command;
    }
}
