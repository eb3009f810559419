using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Commands;

/// <summary>
/// `run HOST -- CMD...`: starts CMD detached on HOST (it survives any drop), then follows its
/// output and exits with its exit code; with --detach, prints the job id and returns.
/// </summary>
internal static class RunCommand
{
    private const int LaunchAttempts = 5;

    public static Command Create(SshOptions ssh, StreamOptions streamOptions, Func<CancellationToken> interrupt)
    {
        var host = CommonArguments.Host();
        var words = new Argument<string[]>("command") { Description = "The command, joined with spaces and run by the login shell, as ssh does.", Arity = ArgumentArity.ZeroOrMore };
        var detach = new Option<bool>("--detach", "-d") { Description = "Print the job id and return at once." };
        var shell = new Option<string?>("--shell") { Description = "Shell that runs the command (default: the login shell)." };
        var cwd = new Option<string?>("--cwd") { Description = "Working directory on the target (default: home)." };
        var env = new Option<string[]>("--env", "-e") { Description = "K=V added to the job's environment; repeatable." };
        var id = new Option<string?>("--id") { Description = "Choose the job id (default: a new random id)." };
        var timeout = new Option<string?>("--timeout") { Description = "Time limit, enforced on the target: TERM, then KILL after --grace." };
        var grace = new Option<string?>("--grace") { Description = "Time between SIGTERM and SIGKILL (default 10s)." };
        var killOnInterrupt = new Option<bool>("--kill-on-interrupt") { Description = "Ctrl-C kills the job instead of detaching." };
        var command = new Command("run", "Start a command on a host so that it survives the connection.")
        {
            host, words, detach, shell, cwd, env, id, timeout, grace, killOnInterrupt,
        };
        ssh.AddTo(command);
        streamOptions.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            var target = ssh.Resolve(result, result.GetValue(host)!);
            var text = string.Join(' ', result.GetValue(words) ?? []);
            if (text.Length == 0)
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, "no command given: sessionkeeper run HOST -- COMMAND...");
            }

            if (text.Contains('\0', StringComparison.Ordinal))
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, "the command contains a NUL byte.");
            }

            var graceTime = result.GetValue(grace) is { } g ? Durations.Parse(g, "--grace") : JobSpec.DefaultGrace;
            var spec = new JobSpec(
                text,
                result.GetValue(cwd),
                ParseEnvironment(result.GetValue(env) ?? []),
                result.GetValue(shell),
                result.GetValue(timeout) is { } t ? Durations.Parse(t, "--timeout") : null,
                graceTime);
            var jobId = result.GetValue(id) is { } chosen ? JobId.Validate(chosen) : JobId.New();
            var attach = result.GetValue(detach) ? null : streamOptions.Resolve(result);
            var stateRoot = StatePaths.Root(result.GetValue(CommonArguments.StateDir));

            var (session, status) = await LaunchAsync(target, jobId, spec, interrupt());
            if (attach is null)
            {
                await session.DisposeAsync();
                Console.WriteLine(jobId);
                return status.State == JobState.Lost ? Foreground.Outcome(target, status) : 0;
            }

            Console.Error.WriteLine($"sessionkeeper: job {jobId} started on {target.Label} (pid {status.Pid?.ToString() ?? "?"}).");
            return await Foreground.FollowAsync(target, session, jobId, stateRoot, attach, result.GetValue(killOnInterrupt), graceTime, interrupt());
        });
        return command;
    }

    /// <summary>
    /// A launch whose reply was lost is retried with the same id and cookie: the target finds the
    /// directory it made and reports that job instead of starting a second copy.
    /// </summary>
    private static async Task<(IRemoteSession Session, JobStatus Status)> LaunchAsync(SshTarget target, string jobId, JobSpec spec, CancellationToken cancellationToken)
    {
        var cookie = JobId.NewCookie();
        for (var attempt = 1; ; attempt++)
        {
            var session = await Session.OpenAsync(target, cancellationToken);
            try
            {
                var status = await Session.WithTimeoutAsync(target.Label, Session.ControlTimeout, ct => new JobClient(session).LaunchAsync(jobId, cookie, spec, ct), cancellationToken);
                return (session, status);
            }
            catch (SessionKeeperException ex) when (ex.Kind == FailureKind.ConnectionLost && attempt < LaunchAttempts && !cancellationToken.IsCancellationRequested)
            {
                await session.DisposeAsync();
                Console.Error.WriteLine($"sessionkeeper: launch of {jobId} on {target.Label} interrupted ({ex.Message.TrimEnd('.')}); retrying with the same id.");
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), cancellationToken);
            }
            catch
            {
                await session.DisposeAsync();
                throw;
            }
        }
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
