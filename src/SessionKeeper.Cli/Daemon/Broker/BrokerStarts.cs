using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Journal.Stores;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh;
using SessionKeeper.Ssh.Broker;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Cli.Daemon.Broker;

/// <summary>
/// The daemon's side of <see cref="BrokerFrameType.Start"/>: a CLI's <c>run -d</c> journaled,
/// launched and journaled again here, on the journal connection the daemon keeps and the pooled
/// connection to the host, by the same <see cref="JobSupervisor"/> code a CLI runs: planned, then
/// <c>launching</c> (synced) before the launch line goes out, then the reply. The CLI opens no
/// journal; what it prints it reads from the reply this hands back. Each start launched and
/// journaled is told to <c>launched</c> (the supervisor claims it then).
/// </summary>
internal sealed class BrokerStarts(JobJournal journal, string stateRoot, BrokerPool pool, Action<string, string> log, Action? launched = null)
{
    private readonly FileIdentity? _journal = journal.IsShared ? null : FileIdentity.Of(journal.Path);

    /// <summary>The daemon's state directory: the jobs' mirrors are under it.</summary>
    public string StateRoot => stateRoot;

    /// <summary>
    /// Whether a CLI whose journal is the file <paramref name="theirs"/> may hand its starts here:
    /// only when it is the very file this daemon holds (a shared journal's fences and leases stay the CLI's).
    /// </summary>
    public bool Serves(string theirs) => _journal is { } ours && FileIdentity.Of(theirs) == ours;

    /// <summary>
    /// Journals and launches <paramref name="job"/>: what the runner printed for the launch. Null
    /// when nothing is journaled and nothing sent: the host's connections are all another target's
    /// and in use (the CLI starts the job itself, as a CLI told busy connects by itself). The
    /// connection comes first: with it in hand the job is journaled as an intent at once (one
    /// synced commit, before the launch line goes out); without it, planned and not launched with
    /// the failure's words, as a direct start journals a connection that failed, and the failure
    /// is thrown. A retry after a lost reply (the same id and cookie) may find no room: then the
    /// job stays an intent and <see cref="NoRoomException"/> goes to the caller, for the CLI to finish it.
    /// </summary>
    public async Task<byte[]?> StartAsync(JournalJob job, IUserInteraction interaction, CancellationToken cancellationToken)
    {
        var target = SshTransport.ToTarget(job.Endpoint);
        var replies = new LaunchReplies();
        var connector = new Connector(pool, target, interaction, replies, log);
        var supervisor = new JobSupervisor(journal, _ => connector, stateRoot);
        IRemoteSession? first;
        try
        {
            first = await connector.TryConnectAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Cancelled, the CLI is gone (interrupted, or it stopped waiting and does the start
            // itself): nothing is journaled here, so the id stays the CLI's to journal.
            var failure = ex as SessionKeeperException ?? BrokerErrors.Of(ex, target.Label);
            var planned = supervisor.Planner.Plan(job);
            journal.RecordNotLaunched(planned.Id, failure.Message);
            throw failure;
        }

        if (first is null)
        {
            return null;
        }

        JournalJob intent;
        try
        {
            intent = supervisor.Planner.Plan(job, sending: true);
        }
        catch
        {
            await first.DisposeAsync();
            throw;
        }

        connector.First = first;
        var (session, _) = await supervisor.LaunchAsync(intent, cancellationToken);
        await session.DisposeAsync();
        var reply = replies.Last ?? throw new InvalidOperationException("the launch returned without a reply.");
        launched?.Invoke();
        return reply;
    }

    /// <summary>The last reply a launch of this start read: the one the supervisor took.</summary>
    private sealed class LaunchReplies
    {
        public byte[]? Last { get; set; }
    }

    /// <summary>The pool has no connection to lend to a retry: nothing was sent on this attempt.</summary>
    public sealed class NoRoomException() : Exception("no room on the daemon's connections.");

    /// <summary>The pool's connection to the start's target; the first one, taken before the job is journaled, is handed out first.</summary>
    private sealed class Connector(BrokerPool pool, SshTarget target, IUserInteraction interaction, LaunchReplies replies, Action<string, string> log) : IRemoteConnector
    {
        public string HostLabel => target.Label;

        public IRemoteSession? First { get; set; }

        public async Task<IRemoteSession?> TryConnectAsync(CancellationToken cancellationToken) =>
            await pool.AcquireAsync(BrokerPool.KeyOf(target), target, interaction, cancellationToken) is { } connection
                ? new LaunchSession(pool, connection, replies, log)
                : null;

        public async Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default)
        {
            if (First is { } first)
            {
                First = null;
                return first;
            }

            return await TryConnectAsync(cancellationToken) ?? throw new NoRoomException();
        }
    }

    /// <summary>
    /// A pooled connection lent to one start (<see cref="PooledTransport.PooledSession"/>, which
    /// gives it back when disposed): a launch goes to its resident launcher, or over an exec channel
    /// (waiting for a slot: nothing else can take it for this start) when the launcher cannot take
    /// it. The last reply is kept for the start's answer.
    /// </summary>
    private sealed class LaunchSession(BrokerPool pool, PooledConnection connection, LaunchReplies replies, Action<string, string> log) : IRemoteSession, ILaunchSession
    {
        private readonly PooledTransport.PooledSession _lent = new(pool, connection);

        public string HostLabel => _lent.HostLabel;

        public CancellationToken Lost => _lent.Lost;

        public bool CanSendToStreams => _lent.CanSendToStreams;

        public async Task<byte[]> LaunchAsync(ResidentLaunch launch, CancellationToken cancellationToken = default)
        {
            var launcher = connection.Launcher(pool.IdleTimeout, what => log(connection.Host, what));
            var reply = await launcher.TryLaunchAsync(launch, cancellationToken) ?? await ExecAsync(launch.ToPayload(), cancellationToken);
            replies.Last = reply;
            return reply;
        }

        public async Task<byte[]> ExecAsync(byte[] stdin, CancellationToken cancellationToken = default)
        {
            try
            {
                var output = await _lent.ExecAsync(stdin, cancellationToken);
                replies.Last = output;
                return output;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !Lost.IsCancellationRequested)
            {
                throw BrokerErrors.Of(ex, HostLabel);
            }
        }

        /// <summary>A start only launches: the CLI follows nothing through it.</summary>
        public Task<IRemoteOutput> OpenStreamAsync(byte[] stdin, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("a daemon's start opens no stream.");

        public void Abort() => _lent.Abort();

        public ValueTask DisposeAsync() => _lent.DisposeAsync();
    }
}
