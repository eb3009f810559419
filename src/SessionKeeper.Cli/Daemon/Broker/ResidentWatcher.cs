using System.Collections.Concurrent;
using System.Text;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;

namespace SessionKeeper.Cli.Daemon.Broker;

/// <summary>
/// The resident watcher of one pooled connection: one channel (keeper.pl's serve mode, made a
/// watcher by its first request, see keeper.pl's watch) on which every job the daemon supervises
/// over the connection is watched, in place of an exec channel and a stream helper per job (a
/// login, an sh parse of the runner and about six process starts on the target each). A job that
/// ends with nothing left to mirror is settled from its answer; anything else (output to mirror,
/// anything unusual, no perl, the watcher silent or gone) is answered null, and the supervision
/// streams it over a channel of its own as before, whose runner decides what the job is. It holds
/// one stream slot while it lives, and ends with its channel: idle past its time, the connection's
/// close, or silence past <see cref="DeadAfter"/> while it watches anything.
/// </summary>
internal sealed class ResidentWatcher(PooledConnection connection, TimeSpan idle, Action<string> log) : IDisposable
{
    /// <summary>Silence from a watcher with jobs to watch beyond this: it is given up (it says "beat" every second).</summary>
    public static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(10);


    private const string Prefix = "@@SKW ";

    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ReplyLine?>> _watched = new(StringComparer.Ordinal);
    private IRemoteOutput? _channel;
    private Timer? _timer;
    private long _heard;
    private long _said;
    private bool _refused;

    /// <summary>See <see cref="IJobWatch.WatchAsync"/>.</summary>
    public async Task<ReplyLine?> WatchAsync(JobId id, StreamOffsets mirrored, CancellationToken cancellationToken)
    {
        var key = id.ToString();
        var answer = new TaskCompletionSource<ReplyLine?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_watched.TryAdd(key, answer))
        {
            return null; // watched already (by a supervision that lost its lease): stream as before
        }

        try
        {
            var started = await Task.Run(() => Send(Encoding.ASCII.GetBytes($"watch {key} {mirrored.Stdout} {mirrored.Stderr}\n")), CancellationToken.None);
            if (!started)
            {
                return null;
            }

            using var cancel = cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
            return await answer.Task;
        }
        finally
        {
            if (_watched.TryRemove(new KeyValuePair<string, TaskCompletionSource<ReplyLine?>>(key, answer)) && !answer.Task.IsCompletedSuccessfully)
            {
                Send(Encoding.ASCII.GetBytes($"unwatch {key}\n"), start: false);
            }
        }
    }

    /// <summary>Whether it watches anything (the connection is not idle then).</summary>
    public bool IsWatching => !_watched.IsEmpty;

    /// <summary>Ends the watcher for good (its connection closes): every job it watched, and every one asked of it later, is answered null (streamed as before).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _refused = true;
            StopLocked(null);
        }
    }

    /// <summary>Writes <paramref name="line"/> on the channel, starting the watcher first when <paramref name="start"/>; false when it has none.</summary>
    private bool Send(byte[] line, bool start = true)
    {
        lock (_gate)
        {
            if (_channel is null && (!start || !Start()))
            {
                return false;
            }

            try
            {
                _channel!.Send(line);
                return true;
            }
            catch (Exception ex)
            {
                StopLocked(ex.Message);
                return false;
            }
        }
    }

    /// <summary>Under the gate: opens the channel and waits for the launcher's ready word; its reader runs on a thread of its own.</summary>
    private bool Start()
    {
        // Refused once (no perl, or disposed): every watch of this connection is streamed as before.
        if (_refused || !connection.Channels.TryTakeStream())
        {
            return false;
        }

        IRemoteOutput channel;
        try
        {
            channel = connection.Session.Result.OpenStreamAsync(ResidentLaunch.ServePayload(idle), CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            connection.Channels.Release();
            log("failed: " + ex.Message);
            return false;
        }

        var reader = new LineReader(channel.Output);
        try
        {
            while (reader.Next() is { } line)
            {
                if (line == ResidentLaunch.WordPrefix + ResidentLaunch.Ready)
                {
                    _channel = channel;
                    Interlocked.Exchange(ref _heard, Environment.TickCount64);
                    var thread = new Thread(() => Read(channel, reader)) { IsBackground = true, Name = "resident watcher" };
                    thread.Start();
                    _timer = new Timer(_ => Tick(channel), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
                    log("started");
                    return true;
                }

                if (line.StartsWith(Protocol.ReplyPrefix, StringComparison.Ordinal))
                {
                    break; // "serve none" (no perl) or an error: every job is streamed as before
                }
            }
        }
        catch (Exception)
        {
            // A dead channel: as refused, for now.
        }

        channel.Dispose();
        connection.Channels.Release();
        _refused = true;
        log("refused (no perl on the target)");
        return false;
    }

    /// <summary>The watcher's lines: each job's answer, and its beats.</summary>
    private void Read(IRemoteOutput channel, LineReader reader)
    {
        string? why = "ended";
        try
        {
            while (reader.Next() is { } line)
            {
                Interlocked.Exchange(ref _heard, Environment.TickCount64);
                if (!line.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var words = line[Prefix.Length..].Split(' ', 2);
                if (words.Length == 2 && _watched.TryGetValue(words[0], out var answer))
                {
                    answer.TrySetResult(words[1].StartsWith("done ", StringComparison.Ordinal) ? Parse(words[1], connection.Host) : null);
                }
            }
        }
        catch (Exception ex)
        {
            why = ex.Message;
        }

        lock (_gate)
        {
            if (ReferenceEquals(_channel, channel))
            {
                StopLocked(why);
            }
        }
    }

    private static ReplyLine? Parse(string done, string host)
    {
        try
        {
            return ReplyParser.ParseLine(done, host);
        }
        catch (Core.Failures.SessionKeeperException)
        {
            return null;
        }
    }

    /// <summary>Every second: silence past <see cref="DeadAfter"/> while watching ends it; a few times per idle time the daemon says it is there.</summary>
    private void Tick(IRemoteOutput channel)
    {
        var silent = TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _heard));
        lock (_gate)
        {
            if (!ReferenceEquals(_channel, channel))
            {
                return;
            }

            if (silent > DeadAfter && IsWatching)
            {
                StopLocked($"silent for {silent.TotalSeconds:0} s");
                return;
            }

            // The watcher ends after its idle time without a line: said a few times per idle time.
            var beat = Math.Clamp(idle.TotalMilliseconds / 3, 1000, 5000);
            if (Environment.TickCount64 - Interlocked.Read(ref _said) >= beat)
            {
                try
                {
                    Interlocked.Exchange(ref _said, Environment.TickCount64);
                    channel.Send("beat\n"u8);
                }
                catch (Exception ex)
                {
                    StopLocked(ex.Message);
                }
            }
        }
    }

    /// <summary>Under the gate: the channel goes, its slot back, and every job watched is answered null.</summary>
    private void StopLocked(string? why)
    {
        if (_channel is { } channel)
        {
            _channel = null;
            _timer?.Dispose();
            _timer = null;
            channel.Dispose();
            connection.Channels.Release();
            if (why is not null)
            {
                log("gone: " + why);
            }
        }

        foreach (var answer in _watched.Values)
        {
            answer.TrySetResult(null);
        }
    }
}
