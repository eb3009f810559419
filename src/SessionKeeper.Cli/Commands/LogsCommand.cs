using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Commands;

/// <summary>`logs HOST JOB [--tail N] [--follow]`: what the job's log holds, then optionally its future.</summary>
internal static class LogsCommand
{
    public static Command Create(SshOptions ssh, StreamOptions streamOptions, Func<CancellationToken> interrupt)
    {
        var job = JobTarget.Argument();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new output until the job ends." };
        var tail = new Option<int?>("--tail", "-n") { Description = "Start with the last N lines." };
        var command = new Command("logs", "Print a job's output so far.") { job, follow, tail };
        ssh.AddTo(command);
        streamOptions.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            var resolved = JobTarget.Resolve(result, job, ssh);
            var target = resolved.Target;
            var id = resolved.JobId;
            if (result.GetValue(tail) is < 0)
            {
                throw new SessionKeeperException(FailureKind.InvalidInput, "--tail must be 0 or more.");
            }

            var options = result.GetValue(follow) ? streamOptions.Resolve(result, target) : null;
            var stdout = Console.OpenStandardOutput();
            var cancel = interrupt();
            var session = await Session.OpenAsync(target, cancel);
            long offset;
            try
            {
                var known = KnownLength(resolved.Known);
                offset = await Session.WithTimeoutAsync(target.Label, Session.ControlTimeout, ct => PrintSoFarAsync(session, id, result.GetValue(tail), known, stdout, ct), cancel);
            }
            catch
            {
                await session.DisposeAsync();
                throw;
            }

            if (options is null)
            {
                await session.DisposeAsync();
                return 0;
            }

            var attacher = new Attacher(new SshConnector(target), id, null, stdout, offset, options, new ConsoleAttachObserver(target.Label, id));
            try
            {
                var status = await attacher.RunAsync(session, cancel);
                return Foreground.Outcome(target, status);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                return 130;
            }
        });
        return command;
    }

    /// <summary>
    /// How much of the log this workstation already received (its mirror): a remote log shorter than
    /// that was truncated or replaced, which the runner refuses as it does for attach.
    /// </summary>
    private static long KnownLength(JournalJob? job)
    {
        if (job is null)
        {
            return 0;
        }

        var mirror = job.MirrorPath is { } path && File.Exists(path) ? new FileInfo(path).Length : 0;
        return Math.Max(job.CommittedLength, mirror);
    }

    /// <summary>Prints the log up to its current end (from the last N lines when asked); returns the end offset.</summary>
    private static async Task<long> PrintSoFarAsync(IRemoteSession session, string id, int? tailLines, long known, Stream stdout, CancellationToken cancellationToken)
    {
        long offset = 0;
        while (true)
        {
            var request = new StreamRequest(id, offset, 4L << 20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), "logs" + Environment.ProcessId)
            {
                Once = true,
                Known = known,
                TailLines = offset == 0 ? tailLines : null,
            };
            using var remote = await session.OpenStreamAsync(request.ToRunnerRequest().ToPayload(), cancellationToken);
            using var abort = cancellationToken.Register(remote.Dispose);
            var (next, finished) = await Task.Factory.StartNew(
                () => Drain(remote.Output, session.HostLabel, id, stdout),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            cancellationToken.ThrowIfCancellationRequested();
            offset = next;
            if (finished)
            {
                return offset;
            }
        }
    }

    private static (long Offset, bool Finished) Drain(Stream input, string host, string id, Stream stdout)
    {
        var reader = new StreamFrameReader(input, host);
        long offset = 0;
        while (true)
        {
            switch (reader.Next())
            {
                case null:
                    throw new SessionKeeperException(FailureKind.ConnectionLost, $"the connection to {host} was lost while reading the log.");
                case StreamEvent.Data data:
                    stdout.Write(data.Bytes.Span);
                    offset = data.Offset + data.Bytes.Length;
                    break;
                case StreamEvent.Reply { Line.Tag: ReplyTags.Stream } start:
                    offset = start.Line.Number("offset") ?? 0;
                    break;
                case StreamEvent.Reply { Line.Tag: ReplyTags.Error } error:
                    throw RemoteErrors.ToException(error.Line["code"] ?? "unknown", host, id);
                case StreamEvent.Reply { Line.Tag: ReplyTags.More }:
                    stdout.Flush();
                    return (offset, false);
                case StreamEvent.Reply { Line.Tag: ReplyTags.Caught or ReplyTags.Done }:
                    stdout.Flush();
                    return (offset, true);
                default:
                    break;
            }
        }
    }
}
