using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Cli.Commands;

/// <summary>
/// `kill HOST JOB`: TERM to the job's process group, KILL after --grace; `--signal S` sends S
/// alone. The group is checked against the live job first, every time.
/// </summary>
internal static class KillCommand
{
    public static Command Create(SshOptions ssh, Func<CancellationToken> interrupt)
    {
        var job = JobTarget.Argument();
        var grace = new Option<string?>("--grace") { Description = "Time between SIGTERM and SIGKILL (default 10s)." };
        var signal = SignalOption();
        var command = new Command("kill", "Stop a job: SIGTERM to its process group, SIGKILL after the grace period; or send one --signal.") { job, grace, signal };
        ssh.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            var resolved = JobTarget.Resolve(result, job, ssh);
            var target = resolved.Target;
            var id = resolved.JobId;
            var graceTime = result.GetValue(grace) is { } g ? Durations.Parse(g, "--grace") : JobSpec.DefaultGrace;
            var only = result.GetValue(signal) is { } s ? SignalNames.Parse(s, "--signal") : null;
            if (only is not null && result.GetValue(grace) is not null)
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, "--grace applies to the TERM-then-KILL stop only; drop it with --signal.");
            }

            var (status, signalled) = only is null
                ? await resolved.Keeper.KillAsync(id, graceTime, target, interrupt())
                : await resolved.Keeper.SignalAsync(id, only, target, interrupt());
            Console.WriteLine(signalled == "none"
                ? $"{id}: not running ({status.Describe()}); no signal sent."
                : $"{id}: sent {Shown(signalled)}; {status.Describe()}.");
            if (only is null && status.State is JobState.Running or JobState.Starting)
            {
                Console.Error.WriteLine($"sessionkeeper: job {id} on {target.Label} is still running after {Shown(signalled)}; see `sessionkeeper status {id}`.");
                return ExitCodes.StillRunning;
            }

            return 0;
        });
        return command;
    }

    public static Option<string?> SignalOption() =>
        new("--signal") { Description = "Send this one signal (name such as INT, HUP, USR1, or number) to the job's process group, without escalation." };

    /// <summary>"SIGINT" for a name the runner reports, "signal 34" for a number.</summary>
    public static string Shown(string signalled) => signalled.All(char.IsAsciiDigit) ? "signal " + signalled : "SIG" + signalled;
}
