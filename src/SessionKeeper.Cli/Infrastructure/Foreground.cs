using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// Shows a job's output on stdout until it ends, keeps the local mirror, and turns the outcome into
/// the exit code: the job's own, or 130 after Ctrl-C detached (the job keeps running).
/// </summary>
internal static class Foreground
{
    public static async Task<int> FollowAsync(
        SshTarget target,
        IRemoteSession? session,
        string jobId,
        string stateRoot,
        AttachOptions options,
        bool killOnInterrupt,
        TimeSpan grace,
        CancellationToken interrupt)
    {
        using var mirror = LogMirror.Open(StatePaths.Mirror(stateRoot, target.Label, jobId));
        var stdout = Console.OpenStandardOutput();
        long start = 0;
        if (mirror.IsWriter)
        {
            // What earlier attaches already copied is shown from the mirror, the rest streamed.
            start = mirror.Length;
            await using var existing = new FileStream(mirror.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            await CopyPrefixAsync(existing, stdout, start);
        }

        var attacher = new Attacher(
            new SshConnector(target),
            jobId,
            mirror.IsWriter ? mirror : null,
            stdout,
            start,
            options,
            new ConsoleAttachObserver(target.Label, jobId));
        try
        {
            var status = await attacher.RunAsync(session, interrupt);
            return Outcome(target, status);
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            return await InterruptedAsync(target, jobId, killOnInterrupt, grace);
        }
    }

    public static int Outcome(SshTarget target, JobStatus status)
    {
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

    private static async Task<int> InterruptedAsync(SshTarget target, string jobId, bool killOnInterrupt, TimeSpan grace)
    {
        if (!killOnInterrupt)
        {
            Console.Error.WriteLine($"sessionkeeper: detached; job {jobId} keeps running on {target.Label}.");
            Console.Error.WriteLine($"  reattach: sessionkeeper attach {target.Label} {jobId}");
            Console.Error.WriteLine($"  stop it:  sessionkeeper kill {target.Label} {jobId}");
            return 130;
        }

        Console.Error.WriteLine($"sessionkeeper: interrupted; killing job {jobId} on {target.Label}...");
        using var deadline = new CancellationTokenSource(Session.ControlTimeout + grace);
        await using var session = await Session.OpenAsync(target, deadline.Token);
        var (status, _) = await new JobClient(session).KillAsync(jobId, grace, deadline.Token);
        Console.Error.WriteLine($"sessionkeeper: job {jobId} {status.Describe()}.");
        return 130;
    }

    private static async Task CopyPrefixAsync(Stream source, Stream destination, long length)
    {
        var buffer = new byte[81920];
        var remaining = length;
        while (remaining > 0)
        {
            var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)));
            if (read == 0)
            {
                break;
            }

            await destination.WriteAsync(buffer.AsMemory(0, read));
            remaining -= read;
        }

        await destination.FlushAsync();
    }
}
