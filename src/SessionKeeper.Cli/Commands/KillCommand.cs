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
    public static Command Create(SshOptions ssh)
    {
        var job = JobTarget.Argument();
        var grace = new Option<string?>("--grace") { Description = "Time between SIGTERM and SIGKILL (default 10s)." };
        var signal = SignalOption();
        var command = new Command("kill", "Stop a job: SIGTERM to its process group, SIGKILL after the grace period; or send one --signal.") { job, grace, signal };
        ssh.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
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
                ? await resolved.Keeper.KillAsync(id.Value, graceTime, target, cancellationToken)
                : await resolved.Keeper.SignalAsync(id.Value, only, target, cancellationToken);
            var outcome = Outcome(id.Value, target.Label, status, signalled, escalating: only is null);
            Console.WriteLine(outcome.Line);
            if (outcome.Error is { } error)
            {
                Console.Error.WriteLine(error);
            }

            return outcome.ExitCode;
        });
        return command;
    }

    /// <summary>
    /// What `kill` prints and returns once the target answered. The runner answers once the stop is
    /// over (the group it signalled has ended and the exit status is recorded) or 30 s after its last
    /// signal, so the status is what the stop did. A TERM-then-KILL stop that leaves the job running
    /// or starting (SIGKILL does not end a leader in uninterruptible sleep, nor one under ids the
    /// login user may not signal) exits
    /// <see cref="ExitCodes.StillRunning"/>; an ending job (dead, its status not recorded yet) is
    /// stopped. One --signal asks for no stop: whatever the job does next, it was sent.
    /// </summary>
    public static (string Line, string? Error, int ExitCode) Outcome(string id, string host, JobStatus status, string signalled, bool escalating)
    {
        if (signalled == "none" && status.State is JobState.Starting)
        {
            // Launched, its identity not recorded yet: nothing can be signalled safely, and it may run.
            return ($"{id}: starting (its identity is not recorded yet); no signal sent.",
                $"sessionkeeper: job {id} on {host} is still starting; nothing was signalled; run `sessionkeeper kill {id}` again in a moment.",
                escalating ? ExitCodes.StillRunning : 0);
        }

        var line = signalled == "none"
            ? $"{id}: not running ({status.Describe()}); no signal sent."
            : $"{id}: sent {Shown(signalled)}; {status.Describe()}.";
        return escalating && status.State is JobState.Running or JobState.Starting
            ? (line, $"sessionkeeper: job {id} on {host} is still running after {Shown(signalled)}; see `sessionkeeper status {id}`.", ExitCodes.StillRunning)
            : (line, null, 0);
    }

    public static Option<string?> SignalOption() =>
        new("--signal") { Description = "Send this one signal (name such as INT, HUP, USR1, or number) to the job's process group, without escalation." };

    /// <summary>"SIGINT" for a name the runner reports, "signal 34" for a number.</summary>
    public static string Shown(string signalled) => signalled.All(char.IsAsciiDigit) ? "signal " + signalled : "SIG" + signalled;
}
