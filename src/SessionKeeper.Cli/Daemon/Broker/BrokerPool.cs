using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Cli.Daemon.Broker;

/// <summary>
/// The daemon's SSH connections, per target key (everything that picks the target and its
/// authentication: the journal's JSON of it, and the agent): a CLI's session is bound to one of
/// them, which several sessions share (each channel takes one of its <see cref="PooledConnection.ChannelLimit"/>
/// channel slots, <see cref="ChannelSlots"/>). At most <see cref="BrokerSettings.MaxPerHost"/>
/// connections go to one host and port, whatever the keys; a connection nobody is bound to for
/// <see cref="BrokerSettings.IdleTimeout"/> is closed. Nothing waits for room: a session the host
/// has no connection for, or a channel its connection has no slot for, is answered busy and goes
/// over a connection of its own, as an OpenSSH client does when its master cannot open a session.
/// </summary>
internal sealed class BrokerPool(BrokerSettings settings, Func<SshTarget, IUserInteraction, IRemoteConnector> connector) : IAsyncDisposable
{
    /// <summary>Sessions bound to one connection before another is opened (while the host has room).</summary>
    public const int SharePerConnection = 8;

    private readonly Lock _gate = new();
    private readonly List<PooledConnection> _connections = [];

    /// <summary>
    /// Connections taken out of the pool whose socket may still be open: a connection's close runs
    /// on the thread pool (SSH.NET's disconnect, then the socket's), and a new connection to the
    /// same host waits for them, so the host never sees more than the limit at once.
    /// </summary>
    private readonly List<(string Host, Task Closed)> _closing = [];

    public TimeSpan IdleTimeout => settings.IdleTimeout;

    /// <summary>What tells connections apart: the target as the journal records it (auth and host-key policy included) and the agent.</summary>
    public static string KeyOf(SshTarget target) =>
        System.Text.Json.JsonSerializer.Serialize(SshTransport.Describe(target), SessionKeeper.Core.Journal.EndpointJson.Default.JobEndpoint) + "\n" + SessionKeeper.Ssh.Broker.BrokerClient.AgentSocket();

    /// <summary>Connections now open or opening, for the daemon's log and the tests.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>
    /// A connection for <paramref name="target"/>, bound to the caller until it releases it, or
    /// null when the host's connections are all another target's and in use (the caller connects
    /// by itself). A connection this call opens asks its questions through <paramref name="interaction"/>, and
    /// its failure is the caller's, exactly as a direct connection would have failed. A shared one
    /// still connecting that fails is not taken as an answer: the caller tries once on its own,
    /// as it would have without a daemon (its own questions, its own failure).
    /// </summary>
    public async Task<PooledConnection?> AcquireAsync(string key, SshTarget target, IUserInteraction interaction, CancellationToken cancellationToken)
    {
        var shareable = true;
        while (true)
        {
            PooledConnection? chosen = null;
            var opened = false;
            lock (_gate)
            {
                foreach (var dead in _connections.Where(c => c.IsDead).ToList())
                {
                    _connections.Remove(dead);
                    Retire(dead);
                }

                var host = HostOf(target);
                var same = _connections.Where(c => c.Key == key).OrderBy(c => c.Bound).ToList();
                var onHost = _connections.Count(c => c.Host == host);
                if (shareable && same.FirstOrDefault(c => c.Bound < SharePerConnection && c.Channels.HasStreamRoom) is { } roomy)
                {
                    chosen = roomy;
                }
                else if (onHost < settings.MaxPerHost || CloseIdleOther(host, key))
                {
                    chosen = new PooledConnection(key, host, Connect(target, interaction, ClosingOn(host)));
                    _connections.Add(chosen);
                    opened = true;
                }
                else if (shareable && same.Count > 0)
                {
                    // The host is full: share the one with the most free channels (a channel
                    // that finds none is answered busy and goes elsewhere).
                    chosen = same.OrderByDescending(c => c.Channels.Free).ThenBy(c => c.Bound).First();
                }

                chosen?.Bind();
            }

            if (chosen is null)
            {
                // Every connection to the host is another target's and in use: no waiting.
                return null;
            }

            try
            {
                await chosen.Session.WaitAsync(cancellationToken);
                return chosen;
            }
            catch (Exception ex) when (!opened && ex is not OperationCanceledException)
            {
                Release(chosen);
                shareable = false;
            }
            catch
            {
                Release(chosen);
                throw;
            }
        }
    }

    /// <summary>The caller is done with <paramref name="connection"/>; it stays open for the next, until idle.</summary>
    public void Release(PooledConnection connection)
    {
        lock (_gate)
        {
            connection.Unbind();
        }
    }

    /// <summary>Closes connections idle past the limit, and forgets dead ones; called by the daemon's timer. Returns the hosts of those it closed idle.</summary>
    public IReadOnlyList<string> CloseIdle()
    {
        List<PooledConnection> idle;
        List<string> closed;
        lock (_gate)
        {
            var now = Environment.TickCount64;
            idle = [.. _connections.Where(c => c.IsDead || (c.IsIdle && now - c.IdleSince >= settings.IdleTimeout.TotalMilliseconds))];
            closed = [.. idle.Where(c => !c.IsDead).Select(c => c.Host)];
            _connections.RemoveAll(idle.Contains);
            foreach (var connection in idle)
            {
                Retire(connection);
            }
        }

        return closed;
    }

    public ValueTask DisposeAsync()
    {
        List<PooledConnection> all;
        lock (_gate)
        {
            all = [.. _connections];
            _connections.Clear();
        }

        foreach (var connection in all)
        {
            _ = connection.Close();
        }

        return ValueTask.CompletedTask;
    }

    private static string HostOf(SshTarget target) => $"{target.Host}:{target.Port}";

    /// <summary>Makes room on a full host by closing an idle connection of another target; under the lock.</summary>
    private bool CloseIdleOther(string host, string key)
    {
        var idle = _connections.FirstOrDefault(c => c.Host == host && c.Key != key && c.IsIdle);
        if (idle is null)
        {
            return false;
        }

        _connections.Remove(idle);
        Retire(idle);
        return true;
    }

    /// <summary>How long a new connection waits for the host's closing ones before it connects anyway.</summary>
    private static readonly TimeSpan ClosingWait = TimeSpan.FromSeconds(10);

    /// <summary>Closes a connection taken out of <see cref="_connections"/> (under the gate), and keeps its close until it is done.</summary>
    private void Retire(PooledConnection connection)
    {
        var closed = connection.Close();
        if (closed.IsCompleted)
        {
            return;
        }

        var entry = (connection.Host, closed);
        _closing.Add(entry);
        _ = closed.ContinueWith(
            _ =>
            {
                lock (_gate)
                {
                    _closing.Remove(entry);
                }
            },
            TaskScheduler.Default);
    }

    /// <summary>The closes still under way on <paramref name="host"/> (under the gate).</summary>
    private Task[] ClosingOn(string host) => [.. _closing.Where(c => c.Host == host).Select(c => c.Closed)];

    // The connection outlives the CLI that asked for it: no caller's token, the target's own deadline.
    // It is made once the host's connections being closed are gone (BrokerTests once counted 3
    // established against a limit of 2: an idle one still closing while two new ones opened).
    private Task<IRemoteSession> Connect(SshTarget target, IUserInteraction interaction, Task[] closing) =>
        Task.Run(async () =>
        {
            if (closing.Length > 0)
            {
                try
                {
                    await Task.WhenAll(closing).WaitAsync(ClosingWait);
                }
                catch (Exception)
                {
                    // A close that failed or hangs: its socket is as good as gone; connect anyway.
                }
            }

            return await connector(target, interaction).ConnectAsync(CancellationToken.None);
        });
}

/// <summary>The daemon's broker settings: `daemon --broker-idle`, `--broker-max-per-host`.</summary>
internal sealed record BrokerSettings(TimeSpan IdleTimeout, int MaxPerHost);

/// <summary>One SSH connection of the pool, opening or open, and who is bound to it.</summary>
internal sealed class PooledConnection(string key, string host, Task<IRemoteSession> session)
{
    /// <summary>Channels at once on one connection: sshd's MaxSessions default, and SSH.NET's (the eleventh blocks a thread).</summary>
    public const int ChannelLimit = 10;

    private int _bound;
    private long _idleSince = Environment.TickCount64;

    public string Key => key;

    public string Host => host;

    public Task<IRemoteSession> Session => session;

    /// <summary>Channel slots: a stream never takes the last, a short request waits briefly for one.</summary>
    public ChannelSlots Channels { get; } = new(ChannelLimit);

    public int Bound => _bound;

    public bool IsIdle => _bound == 0 && session.IsCompletedSuccessfully && Volatile.Read(ref _watcher) is not { IsWatching: true };

    public long IdleSince => Interlocked.Read(ref _idleSince);

    public bool IsDead => session.IsFaulted || session.IsCanceled || (session.IsCompletedSuccessfully && session.Result is SshRemoteSession { IsConnected: false });

    public void Bind() => _bound++;

    public void Unbind()
    {
        if (--_bound == 0)
        {
            Interlocked.Exchange(ref _idleSince, Environment.TickCount64);
        }
    }

    /// <summary>How long a probe of a connection that one of its users declared dead may take before the connection goes for everyone.</summary>
    public static readonly TimeSpan ProbeDeadline = TimeSpan.FromSeconds(15);

    /// <summary>The probe's script for `sh -s`: it ends the shell at once, whether or not end-of-file follows.</summary>
    private static readonly byte[] Probe = "exit 0\n"u8.ToArray();

    private readonly Lock _probeGate = new();
    private Task<bool>? _probe;

    /// <summary>
    /// One user of the connection declared it dead: its heartbeats stopped, which a user starved
    /// of CPU sees as well as one whose link is gone, so the connection's other channels may be
    /// fine. A round trip of its own (`exit 0` for the login shell's `sh -s`: with an empty
    /// script the probe did not end in BrokerTests) with its own deadline decides: only a connection
    /// that fails it is torn down, for everyone on it. True when it answered. Probes asked for
    /// while one runs share it.
    /// </summary>
    public Task<bool> ProbeAsync(TimeSpan deadline)
    {
        lock (_probeGate)
        {
            if (_probe is null || _probe.IsCompleted)
            {
                _probe = Task.Run(() => RunProbeAsync(deadline));
            }

            return _probe;
        }
    }

    private async Task<bool> RunProbeAsync(TimeSpan deadline)
    {
        if (!session.IsCompletedSuccessfully)
        {
            return false;
        }

        var remote = session.Result;
        using var expiry = new CancellationTokenSource(deadline);
        var slot = false;
        try
        {
            // A short request's slot (streams never take the last one); the wait counts against the deadline.
            slot = await Channels.TakeExecAsync(deadline, expiry.Token);
            if (slot)
            {
                // SSH.NET blocks while it opens the channel: the deadline is kept from outside.
                await Task.Run(() => remote.ExecAsync(Probe, expiry.Token), CancellationToken.None).WaitAsync(expiry.Token);
                return true;
            }
        }
        catch (Exception)
        {
            // No answer in time, or the link failed: torn down below.
        }
        finally
        {
            if (slot)
            {
                Channels.Release();
            }
        }

        remote.Abort();
        return false;
    }

    /// <summary>A channel failed as if the link were gone: make sure it is, so nobody else is handed it.</summary>
    public void Failed(Exception ex)
    {
        if (ex is SessionKeeperException { Kind: FailureKind.ConnectionLost } && session.IsCompletedSuccessfully)
        {
            session.Result.Abort();
        }
    }

    private ResidentLauncher? _launcher;

    /// <summary>The connection's resident launcher (made on first use; it starts its channel on its first launch).</summary>
    public ResidentLauncher Launcher(TimeSpan idle, Action<string> log)
    {
        lock (_probeGate)
        {
            return _launcher ??= new ResidentLauncher(this, idle, log);
        }
    }

    private ResidentWatcher? _watcher;

    /// <summary>The connection's resident watcher (made on first use; it starts its channel on its first watch).</summary>
    public ResidentWatcher Watcher(TimeSpan idle, Action<string> log)
    {
        lock (_probeGate)
        {
            return _watcher ??= new ResidentWatcher(this, idle, log);
        }
    }

    /// <summary>Closes the connection (once it has opened, if it is still opening); the task ends when its socket is closed.</summary>
    public Task Close()
    {
        lock (_probeGate)
        {
            _launcher?.Close();
            _watcher?.Dispose();
        }

        return CloseSession();
    }

    private Task CloseSession() => session.ContinueWith(
        async t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                await t.Result.DisposeAsync();
                if (t.Result is SshRemoteSession ssh)
                {
                    // Closed by an abort of its own, maybe still closing: its socket is what counts.
                    await ssh.Closed;
                }
            }
        },
        TaskScheduler.Default).Unwrap();
}

/// <summary>The failure a CLI gets when the daemon has nothing better to say.</summary>
internal static class BrokerErrors
{
    public static SessionKeeperException Of(Exception ex, string label) =>
        ex as SessionKeeperException ?? new SessionKeeperException(FailureKind.ConnectionLost, $"the connection to {label} failed: {ex.Message}");
}
