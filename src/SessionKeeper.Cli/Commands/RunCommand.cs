using System.CommandLine;
using SessionKeeper.Cli.Fleet;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Commands;

/// <summary>
/// `run HOST -- CMD...`: journals the job, starts CMD detached on HOST (it survives any drop),
/// then follows its output and exits with its exit code; with --detach, prints the job id.
/// </summary>
internal static class RunCommand
{
    public static Command Create(SshOptions ssh, StreamOptions streamOptions)
    {
        var host = CommonArguments.Host();
        var words = new Argument<string[]>("command") { Description = "The command, joined with spaces and run by the login shell, as ssh does.", Arity = ArgumentArity.ZeroOrMore };
        var detach = new Option<bool>("--detach", "-d") { Description = "Print the job id and return at once (with piped stdin: once the job holds all of it)." };
        var noStdin = new Option<bool>("-n", "--no-stdin") { Description = "Give the job /dev/null as stdin, as ssh -n does (a terminal stdin is never read)." };
        var shell = new Option<string?>("--shell") { Description = "Shell that runs the command (default: the login shell)." };
        var cwd = new Option<string?>("--cwd") { Description = "Working directory on the target (default: home)." };
        var env = new Option<string[]>("--env", "-e") { Description = "K=V added to the job's environment; repeatable." };
        var id = new Option<string?>("--id") { Description = "Choose the job id (default: a new random id)." };
        var timeout = new Option<string?>("--timeout") { Description = "Time limit, enforced on the target: TERM, then KILL after --grace." };
        var grace = new Option<string?>("--grace") { Description = "Time between SIGTERM and SIGKILL (default 10s)." };
        var interrupts = new InterruptOptions();
        var restart = new Option<string?>("--restart") { Description = "on-failure or always: run the job again when it ends (default no)." };
        var maxRestarts = new Option<int?>("--max-restarts") { Description = "At most this many restarts (default 3 when --restart is given)." };
        var restartDelay = new Option<string?>("--restart-delay") { Description = "Wait between attempts (default 1s)." };
        var fleet = new FleetArguments();
        var command = new Command("run", "Start a command on one or many hosts so that it survives the connection.")
        {
            host, words, detach, noStdin, shell, cwd, env, id, timeout, grace, restart, maxRestarts, restartDelay,
        };
        interrupts.AddTo(command);
        fleet.AddTo(command);
        fleet.AddConfirmationTo(command);
        ssh.AddTo(command);
        streamOptions.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var first = result.GetValue(host)!;
            var hostSpecs = result.GetValue(fleet.Hosts) ?? [];
            var commandWords = hostSpecs.Length > 0 ? [first, .. result.GetValue(words) ?? []] : result.GetValue(words) ?? [];
            var text = string.Join(' ', commandWords);
            if (text.Length == 0)
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, "no command given: sessionkeeper run HOST -- COMMAND...");
            }

            if (text.Contains('\0', StringComparison.Ordinal))
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, "the command contains a NUL byte.");
            }

            if (hostSpecs.Length == 0 && FleetPlan.IsFleetSpec(first))
            {
                hostSpecs = [first];
            }

            var graceTime = result.GetValue(grace) is { } g ? Durations.Parse(g, "--grace") : JobSpec.DefaultGrace;
            var spec = new JobSpec(
                text,
                result.GetValue(cwd),
                ParseEnvironment(result.GetValue(env) ?? []),
                result.GetValue(shell),
                result.GetValue(timeout) is { } t ? Durations.Parse(t, "--timeout") : null,
                graceTime);
            if (RawArguments.JoinedCommand(commandWords) is { } bytes)
            {
                spec = spec.WithCommand(bytes); // not UTF-8: the bytes as given run, as with ssh
            }

            var policy = Policy(result.GetValue(restart), result.GetValue(maxRestarts), result.GetValue(restartDelay));
            var jobId = result.GetValue(id) is { } chosen ? JobId.Parse(chosen) : JobId.New();
            var stdin = StdinSource.Open(result.GetValue(noStdin));
            var attach = result.GetValue(detach) ? null : streamOptions.Resolve(result);
            var stateRoot = StatePaths.Root(result.GetValue(CommonArguments.StateDir));
            if (hostSpecs.Length > 0)
            {
                return await fleet.RunAsync(result, hostSpecs, ssh, streamOptions, spec, policy, jobId.Value, result.GetValue(detach), stateRoot, stdin, cancellationToken);
            }

            var target = ssh.Resolve(result, first);
            attach = attach is null ? null : streamOptions.Resolve(result, target); // ssh_config ServerAlive* of this host
            var verbosity = Verbosities.Of(result);
            var keeper = Keepers.Open(stateRoot, new ConsoleSupervisionObserver(attach is null ? verbosity.AtMost(Verbosity.Outcome) : verbosity), verbosity, Keepers.MayBroker(result), journal: result.GetValue(CommonArguments.Journal));
            if (result.GetValue(fleet.StdinToAll))
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, "--stdin-to-all is for a run on several hosts (-H); one host reads piped stdin anyway.");
            }

            var request = new JobRequest(spec) { Id = jobId, Restart = policy, Input = stdin };
            if (attach is null)
            {
                JobHandle started;
                using (var progress = request.Input is null ? null : UploadProgress.OnTerminal(verbosity))
                {
                    started = await keeper.StartAsync(target, request with { InputProgress = progress }, cancellationToken);
                }

                // The progress line is finished (and its line ended) before the id, the last line of stdout.
                Console.WriteLine(started.Id);
                return started.Launched.State == JobState.Lost ? FollowedJob.ExitCode(target, started.Launched) : 0;
            }

            var outputs = FollowedJob.ConsoleStreams();
            return await FollowedJob.FollowAsync(keeper, target, jobId, interrupts.Resolve(result), (detach, kill) => keeper.RunAsync(target, request, outputs, attach, detach, kill), cancellationToken);
        });
        return command;
    }

    private static RestartPolicy Policy(string? mode, int? max, string? delay)
    {
        if (mode is null)
        {
            return max is not null || delay is not null
                ? throw new SessionKeeperException(FailureKind.InvalidInput, "--max-restarts and --restart-delay need --restart on-failure|always.")
                : RestartPolicy.None;
        }

        if (max is < 0)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, "--max-restarts must be 0 or more.");
        }

        return new RestartPolicy(RestartPolicy.ParseMode(mode, "--restart"), max ?? 3, delay is null ? TimeSpan.FromSeconds(1) : Durations.Parse(delay, "--restart-delay"));
    }

    private static List<KeyValuePair<string, string>> ParseEnvironment(string[] pairs)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !JobClient.IsEnvironmentName(pair[..eq]))
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, $"invalid --env '{pair}': expected NAME=VALUE.");
            }

            list.Add(new(pair[..eq], pair[(eq + 1)..]));
        }

        return list;
    }
}
