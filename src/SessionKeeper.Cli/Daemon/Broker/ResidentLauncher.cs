using System.Text;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Cli.Daemon.Broker;

/// <summary>
/// The resident launcher of one pooled connection: one channel, started on the first launch a CLI
/// sends through the connection, on which one perl process (keeper.pl's serve mode) does every
/// launch that follows, one at a time, without a login shell, an sh parse of the runner or a perl
/// compile per launch. It holds one of the connection's stream slots while it lives. A launch it
/// cannot take (it is busy with another, has no slot, the target has no perl, or it died or ended
/// after its idle time) returns null and goes over an exec channel as before; so does one it
/// declined (an existing job directory: a retried launch) or did not see running. The job
/// directory's mkdir stays the launch's key either way, so a launch it may have done before it
/// went silent is found by the exec channel's launch, never done twice.
/// </summary>
internal sealed class ResidentLauncher(PooledConnection connection, TimeSpan idle, Action<string> log)
{
    /// <summary>How long a launch may take before the launcher is given up (and the launch goes over an exec channel).</summary>
    private static readonly TimeSpan AnswerDeadline = TimeSpan.FromSeconds(30);

    /// <summary>1 while a launch or a close has the launcher: one at a time, and nobody waits for it.</summary>
    private int _busy;
    private IRemoteOutput? _channel;
    private LineReader? _reader;
    private bool _refused;

    /// <summary>
    /// The launch done by the resident launcher, as the runner's launch would reply; null to launch
    /// over an exec channel. The reply is handed back as soon as its two lines (launched, status)
    /// are read: the request's child prints them only once the job has exec'd, and its word,
    /// "launched", follows only after that child's exit and the launcher's wait for it (two more
    /// wake-ups on the target and one more packet). The launcher stays this launch's until the word
    /// is read, so the next request still finds it alone.
    /// </summary>
    public async Task<byte[]?> TryLaunchAsync(ResidentLaunch launch, CancellationToken cancellationToken)
    {
        if (_refused || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            return null;
        }

        var replied = new TaskCompletionSource<byte[]?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var work = Task.Run(() => Launch(launch, replied), CancellationToken.None);
        _ = ReleaseAfterAsync(work);
        try
        {
            return await replied.Task.WaitAsync(AnswerDeadline, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // No answer in time (or the CLI went): the launcher goes, the blocked read with it.
            Stop("no answer in time");
            return null;
        }
    }

    /// <summary>The launcher is free again once the launch's word is read, or once it is stopped (a word that never comes is bounded too).</summary>
    private async Task ReleaseAfterAsync(Task<byte[]?> work)
    {
        try
        {
            await work.WaitAsync(AnswerDeadline);
        }
        catch (TimeoutException)
        {
            Stop("no word in time");
            await ((Task)work).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Ends the launcher (its channel's stdin closes: perl reads end-of-file and exits).</summary>
    public void Close()
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) == 0)
        {
            try
            {
                Stop(null);
            }
            finally
            {
                Volatile.Write(ref _busy, 0);
            }
        }
        else
        {
            Volatile.Read(ref _channel)?.Dispose();
        }
    }

    /// <summary>Under the gate, on a thread of its own: reads block. <paramref name="replied"/> gets the reply as soon as it is whole, else what the word says.</summary>
    private byte[]? Launch(ResidentLaunch launch, TaskCompletionSource<byte[]?> replied)
    {
        byte[]? reply = null;
        try
        {
            reply = Launch(launch, early => replied.TrySetResult(early));
            return reply;
        }
        finally
        {
            replied.TrySetResult(reply);
        }
    }

    private byte[]? Launch(ResidentLaunch launch, Action<byte[]> whole)
    {
        try
        {
            if (_channel is null && !Start())
            {
                return null;
            }

            _channel!.Send(launch.Line);
            var lines = new List<string>();
            while (_reader!.Next() is { } line)
            {
                if (line.StartsWith(ResidentLaunch.WordPrefix, StringComparison.Ordinal))
                {
                    return ResidentLaunch.Reply(lines, line[ResidentLaunch.WordPrefix.Length..]);
                }

                if (line.StartsWith(Protocol.ReplyPrefix, StringComparison.Ordinal))
                {
                    lines.Add(line);
                    if (ResidentLaunch.Whole(lines) is { } reply)
                    {
                        whole(reply);
                    }
                }
            }

            Stop("ended");
            return null;
        }
        catch (Exception ex)
        {
            // A dead channel (the launcher killed on the target, its idle time spent, the link gone).
            Stop(ex.Message);
            return null;
        }
    }

    private bool Start()
    {
        if (!connection.Channels.TryTakeStream())
        {
            return false;
        }

        var session = connection.Session.Result;
        IRemoteOutput channel;
        try
        {
            channel = session.OpenStreamAsync(ResidentLaunch.ServePayload(idle), CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            connection.Channels.Release();
            throw;
        }

        _channel = channel;
        _reader = new LineReader(channel.Output);
        while (_reader.Next() is { } line)
        {
            if (line == ResidentLaunch.WordPrefix + ResidentLaunch.Ready)
            {
                log("started");
                return true;
            }

            if (line.StartsWith(Protocol.ReplyPrefix + ReplyTags.Serve + " ", StringComparison.Ordinal) || line == Protocol.ReplyPrefix + ReplyTags.End)
            {
                // "serve none" (no perl) and the end: every launch on this connection goes over exec channels.
                break;
            }
        }

        _refused = true;
        Stop("refused (no perl on the target)");
        return false;
    }

    private void Stop(string? why)
    {
        if (Interlocked.Exchange(ref _channel, null) is { } channel)
        {
            channel.Dispose();
            connection.Channels.Release();
            if (why is not null)
            {
                log("gone: " + why);
            }
        }

        _reader = null;
    }
}
