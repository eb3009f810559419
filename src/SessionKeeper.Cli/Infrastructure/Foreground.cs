using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// Shows a job's output on stdout until it ends, keeps the local mirror and the journal, and turns
/// the outcome into the exit code: the job's own, or 130 after Ctrl-C detached (the job keeps running).
/// </summary>
internal static class Foreground
{
    public static async Task<int> SuperviseAsync(JobSupervisor supervisor, JournalJob job, AttachOptions options, InterruptMode onInterrupt, TimeSpan grace, CancellationToken interrupt)
    {
        var target = SshTransport.ToTarget(job.Endpoint);
        var stdout = Console.OpenStandardOutput();
        await using var forwarding = onInterrupt == InterruptMode.Signal ? Interrupts.Current?.Forward(() => ForwardInterruptAsync(target, job.Id)) : null;
        try
        {
            var (last, status) = await supervisor.SuperviseAsync(job, null, stdout, options, interrupt);
            return Outcome(target, status);
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            return await InterruptedAsync(target, job.Id, onInterrupt == InterruptMode.Kill, grace);
        }
    }

    /// <summary>attach: the journal's job through the supervisor, or a job this workstation never launched.</summary>
    public static async Task<int> AttachAsync(JobTarget job, string stateRoot, AttachOptions options, InterruptMode onInterrupt, CancellationToken interrupt)
    {
        var journal = job.Journal ?? JobJournal.Open(stateRoot);
        var known = job.Known ?? new JobPlanner(journal, stateRoot).JoinJournal(job.JobId, SshTransport.Describe(job.Target)); // launched elsewhere (another workstation, a lost journal)
        var supervisor = new JobSupervisor(journal, SshTransport.Default.Connector, stateRoot, new ConsoleSupervisionObserver());
        return await SuperviseAsync(supervisor, known, options, onInterrupt, known.Spec.Grace ?? JobSpec.DefaultGrace, interrupt);
    }

    public static int Outcome(SshTarget target, JobStatus status)
    {
        if (status.Caveat is { } caveat)
        {
            Console.Error.WriteLine($"sessionkeeper: job {status.Id} on {target.Label}: {caveat}.");
        }

        switch (status.State)
        {
            case JobState.Exited:
                return status.ExitCode ?? ExitCodes.RemoteError;
            case JobState.Killed or JobState.TimedOut:
                Console.Error.WriteLine($"sessionkeeper: job {status.Id} on {target.Label} {status.Describe()}.");
                return status.ShellExitCode ?? ExitCodes.RemoteError;
            default:
                Console.Error.WriteLine($"sessionkeeper: job {status.Id} on {target.Label} is {status.Describe()}; its exit status is unknown.");
                return ExitCodes.JobLost;
        }
    }

    /// <summary>Ctrl-C with --interrupt signal: SIGINT to the job's process group, identity checked; following goes on.</summary>
    private static async Task ForwardInterruptAsync(SshTarget target, string jobId)
    {
        try
        {
            using var deadline = new CancellationTokenSource(Session.ControlTimeout);
            await using var session = await Session.OpenAsync(target, deadline.Token);
            var (status, signalled) = await new JobClient(session).SignalAsync(jobId, "INT", deadline.Token);
            Console.Error.WriteLine(signalled == "none"
                ? $"sessionkeeper: job {jobId} is {status.Describe()}; no signal sent."
                : $"sessionkeeper: sent SIGINT to job {jobId} on {target.Label} (Ctrl-C again within 1s detaches).");
        }
        catch (Exception ex) when (ex is SessionKeeperException or OperationCanceledException)
        {
            Console.Error.WriteLine($"sessionkeeper: could not forward SIGINT to job {jobId}: {ex.Message}");
        }
    }

    private static async Task<int> InterruptedAsync(SshTarget target, string jobId, bool killOnInterrupt, TimeSpan grace)
    {
        if (!killOnInterrupt)
        {
            Console.Error.WriteLine($"sessionkeeper: detached; job {jobId} keeps running on {target.Label}.");
            Console.Error.WriteLine($"  reattach: sessionkeeper attach {jobId}");
            Console.Error.WriteLine($"  stop it:  sessionkeeper kill {jobId}");
            return 130;
        }

        Console.Error.WriteLine($"sessionkeeper: interrupted; killing job {jobId} on {target.Label}...");
        using var deadline = new CancellationTokenSource(Session.ControlTimeout + grace);
        await using var session = await Session.OpenAsync(target, deadline.Token);
        var (status, _) = await new JobClient(session).KillAsync(jobId, grace, deadline.Token);
        Console.Error.WriteLine($"sessionkeeper: job {jobId} {status.Describe()}.");
        return 130;
    }
}
