using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// A followed job at the terminal: Ctrl-C as --interrupt says (detach, forward SIGINT, or kill),
/// and the outcome as the exit code: the job's own, or 130 after Ctrl-C (the job keeps running
/// unless it was killed).
/// </summary>
internal static class FollowedJob
{
    /// <summary>Runs <paramref name="follow"/> (a keeper call taking the detach and kill tokens) and renders how it ended.</summary>
    /// <summary>Where a followed job's output goes, as under ssh: its stdout to ours, its stderr to ours.</summary>
    public static JobStreams ConsoleStreams() => new(Console.OpenStandardOutput(), Console.OpenStandardError());

    public static async Task<int> FollowAsync(JobKeeper keeper, SshTarget target, JobId jobId, InterruptMode onInterrupt, Func<CancellationToken, CancellationToken, Task<JobResult>> follow, CancellationToken interrupt)
    {
        await using var forwarding = onInterrupt == InterruptMode.Signal ? Interrupts.Current?.Forward(() => ForwardInterruptAsync(keeper, target, jobId)) : null;
        var kill = onInterrupt == InterruptMode.Kill ? interrupt : CancellationToken.None;
        var detach = onInterrupt == InterruptMode.Kill ? CancellationToken.None : interrupt;
        using var killing = kill.Register(() => Console.Error.WriteLine($"sessionkeeper: interrupted; killing job {jobId} on {target.Label}..."));
        try
        {
            var result = await follow(detach, kill);
            if (result.KilledOnRequest)
            {
                Console.Error.WriteLine($"sessionkeeper: job {result.Job.Id} {result.Status.Describe()}.");
                return 130;
            }

            return ExitCode(target, result.Status);
        }
        catch (JobDetachedException detached)
        {
            Console.Error.WriteLine($"sessionkeeper: detached; job {detached.JobId} keeps running on {target.Label}.");
            Console.Error.WriteLine($"  reattach: sessionkeeper attach {detached.JobId}");
            Console.Error.WriteLine($"  stop it:  sessionkeeper kill {detached.JobId}");
            return 130;
        }
    }

    /// <summary>The exit code `run`, `attach`, `retry` and `wait` give for a job's status: its own code, its shell's 128+N for a signal, 247 when lost; what the code cannot say is written to stderr.</summary>
    public static int ExitCode(SshTarget target, JobStatus status)
    {
        if (status.Caveat is { } caveat)
        {
            Console.Error.WriteLine($"sessionkeeper: job {status.Id} on {target.Label}: {caveat}.");
        }

        switch (status.Outcome)
        {
            case JobOutcome.Exited exited:
                return exited.Code;
            case JobOutcome.Killed killed:
                Console.Error.WriteLine($"sessionkeeper: job {status.Id} on {target.Label} {status.Describe()}.");
                return killed.ShellExitCode;
            case JobOutcome.TimedOut timedOut:
                Console.Error.WriteLine($"sessionkeeper: job {status.Id} on {target.Label} {status.Describe()}.");
                return timedOut.ShellExitCode;
            case JobOutcome.Ended:
                Console.Error.WriteLine($"sessionkeeper: job {status.Id} on {target.Label} has ended; its exit status is unknown (adopted: it was not SessionKeeper's child, so nobody could read it).");
                return ExitCodes.JobLost;
            default:
                Console.Error.WriteLine($"sessionkeeper: job {status.Id} on {target.Label} is {status.Describe()}; its exit status is unknown.");
                return ExitCodes.JobLost;
        }
    }

    /// <summary>Ctrl-C with --interrupt signal: SIGINT to the job's process group, identity checked; following goes on.</summary>
    private static async Task ForwardInterruptAsync(JobKeeper keeper, SshTarget target, JobId jobId)
    {
        try
        {
            using var deadline = new CancellationTokenSource(JobKeeper.DefaultControlTimeout);
            var (status, signalled) = await keeper.SignalAsync(jobId.Value, "INT", target, deadline.Token);
            Console.Error.WriteLine(signalled == "none"
                ? $"sessionkeeper: job {jobId} is {status.Describe()}; no signal sent."
                : $"sessionkeeper: sent SIGINT to job {jobId} on {target.Label} (Ctrl-C again within 1s detaches).");
        }
        catch (Exception ex) when (ex is SessionKeeperException or OperationCanceledException)
        {
            Console.Error.WriteLine($"sessionkeeper: could not forward SIGINT to job {jobId}: {ex.Message}");
        }
    }
}
