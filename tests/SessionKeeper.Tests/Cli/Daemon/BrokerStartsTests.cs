using SessionKeeper.Cli.Daemon.Broker;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh.Broker;
using SessionKeeper.Ssh.Prompts;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Cli.Daemon;

/// <summary>
/// A <c>run -d</c> the daemon journals for a CLI (the Start frame): journaled and launched there
/// by the supervisor's own code, over a pooled connection to a local shell served as the target,
/// with the CLI's keeper on the other side. Whatever point the daemon stops at, the journal's
/// record of the id and cookie and the target's lock launch the job once, and lose none.
/// </summary>
public sealed class BrokerStartsTests : IDisposable
{
    private static readonly JobEndpoint Endpoint = new("u", "local", 22, [], [], TimeSpan.FromSeconds(5));

    private readonly TempDir _target = new();
    private readonly TempDir _state = new();
    private readonly BrokerPool _pool;
    private readonly JobJournal _journal;
    private readonly BrokerStarts _starts;
    private bool _unreachable;

    public BrokerStartsTests()
    {
        _pool = new BrokerPool(new BrokerSettings(TimeSpan.FromMinutes(1), 4), (_, _) => new Local(_target.Path, () => _unreachable));
        _journal = JobJournal.Open(_state.Path);
        _starts = new BrokerStarts(_journal, _state.Path, _pool, (_, _) => { });
    }

    private string Counter => Path.Combine(_target.Path, "runs");

    public void Dispose()
    {
        _pool.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _target.Dispose();
        _state.Dispose();
    }

    [Fact(Timeout = 60_000)]
    public async Task A_start_is_journaled_launched_and_its_reply_handed_back()
    {
        var draft = Draft();

        var reply = await _starts.StartAsync(Received(draft), NoUserInteraction.Instance, CancellationToken.None);

        var status = JobClient.LaunchReply(reply!, draft.Id, Endpoint.Label);
        Assert.Equal(draft.Id, status.Id);
        var journaled = _journal.Get(draft.Id)!;
        Assert.Equal((JournalPhase.Launched, draft.Cookie), (journaled.Phase, journaled.Cookie));
        Assert.NotNull(journaled.LastStatus);
        await Poll.UntilAsync(() => File.Exists(Counter) && File.ReadAllText(Counter) == "run\n", "the job's one run");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_failure_is_thrown_as_met_and_journaled_as_a_direct_start_journals_it()
    {
        _unreachable = true;
        var draft = Draft();

        var failure = await Assert.ThrowsAsync<SessionKeeperException>(() => _starts.StartAsync(Received(draft), NoUserInteraction.Instance, CancellationToken.None));

        Assert.Equal(FailureKind.Unreachable, failure.Kind);
        var journaled = _journal.Get(draft.Id)!;
        Assert.Equal(JournalPhase.NotLaunched, journaled.Phase);
        Assert.Equal(failure.Message, journaled.NotLaunchedReason);
    }

    [Fact(Timeout = 60_000)]
    public async Task With_no_room_on_the_hosts_connections_nothing_is_journaled_or_sent()
    {
        await using var full = new BrokerPool(new BrokerSettings(TimeSpan.FromMinutes(1), 1), (_, _) => new Local(_target.Path, () => false));
        var other = SessionKeeper.Ssh.SshTransport.ToTarget(Endpoint with { User = "another" });
        var held = await full.AcquireAsync(BrokerPool.KeyOf(other), other, NoUserInteraction.Instance, CancellationToken.None);
        Assert.NotNull(held);
        var draft = Draft();

        var reply = await new BrokerStarts(_journal, _state.Path, full, (_, _) => { }).StartAsync(Received(draft), NoUserInteraction.Instance, CancellationToken.None);

        Assert.Null(reply);
        Assert.Null(_journal.Get(draft.Id));
        Assert.False(File.Exists(Counter));
    }

    [Fact]
    public void Only_a_CLI_of_the_journal_file_it_holds_is_served()
    {
        using var other = new TempDir();
        JobJournal.Open(other.Path).List();
        var linked = Path.Combine(other.Path, "link");
        Directory.CreateSymbolicLink(linked, _state.Path);

        Assert.True(_starts.Serves(Path.Combine(_state.Path, JobJournal.FileName)));
        Assert.True(_starts.Serves(Path.Combine(linked, JobJournal.FileName)));
        Assert.False(_starts.Serves(Path.Combine(other.Path, JobJournal.FileName)));
        Assert.False(_starts.Serves(Path.Combine(other.Path, "none", JobJournal.FileName)));
    }

    [Fact(Timeout = 60_000)]
    public async Task The_keeper_hands_the_start_over_and_reads_the_launch_from_the_reply()
    {
        var keeper = Keeper(async (draft, ct) => new DelegatedStart(DelegatedOutcome.Launched, await _starts.StartAsync(Received(draft), NoUserInteraction.Instance, ct)));

        var started = await keeper.StartAsync(LocalHost.Instance, Request(), CancellationToken.None);

        Assert.Equal(JournalPhase.Launched, _journal.Get(started.Id)!.Phase);
        Assert.Equal(started.Id, started.Launched.Id);
        await Poll.UntilAsync(() => File.Exists(Counter) && File.ReadAllText(Counter) == "run\n", "the job's one run");
    }

    /// <summary>
    /// The daemon dies before its answer reaches the CLI: after it journaled the plan, after it
    /// sent the launch (the reply not journaled), after it journaled the reply, or before it
    /// journaled anything. The CLI finishes what the journal shows: one run each time.
    /// </summary>
    [Theory(Timeout = 60_000)]
    [InlineData("nothing")]
    [InlineData("planned")]
    [InlineData("sent")]
    [InlineData("replied")]
    public async Task A_daemon_gone_before_answering_leaves_the_journal_to_decide_and_the_job_runs_once(string stoppedAfter)
    {
        var keeper = Keeper(async (draft, ct) =>
        {
            var job = Received(draft);
            switch (stoppedAfter)
            {
                case "planned":
                    new JobPlanner(_journal, _state.Path).Plan(job);
                    break;
                case "sent":
                    var planned = new JobPlanner(_journal, _state.Path).Plan(job);
                    _journal.MarkSending(planned.Id);
                    await using (var session = Shells.Session("dash", _target.Path, keepStreamInput: true))
                    {
                        await new JobClient(session).LaunchAsync(planned.Id, planned.Cookie, planned.Spec, ct);
                    }

                    await Poll.UntilAsync(() => File.Exists(Counter), "the first launch's run");
                    break;
                case "replied":
                    await _starts.StartAsync(job, NoUserInteraction.Instance, ct);
                    break;
            }

            return DelegatedStart.Unsettled;
        });

        var started = await keeper.StartAsync(LocalHost.Instance, Request(), CancellationToken.None);

        var journaled = _journal.Get(started.Id)!;
        Assert.Equal(JournalPhase.Launched, journaled.Phase);
        Assert.Single(_journal.List());
        await Poll.UntilAsync(() => File.Exists(Counter) && File.ReadAllText(Counter) == "run\n", "the job's one run");
        await using (var session = Shells.Session("dash", _target.Path))
        {
            await Poll.UntilAsync(async () => await new JobClient(session).StatusAsync(started.Id), s => s.State.IsFinished(), "the job's end");
        }

        Assert.Equal("run\n", File.ReadAllText(Counter));
    }

    /// <summary>
    /// The daemon journals the job just after the CLI looked for it (the CLI gave up waiting for
    /// its answer, modelled here as an answer that took nothing with the record already there):
    /// the CLI's own plan meets the daemon's record, which has its cookie, and finishes that launch
    /// instead of calling the id taken. One run.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_record_the_daemon_journals_after_the_CLI_looked_is_the_same_job_and_it_runs_once()
    {
        var keeper = Keeper((draft, _) =>
        {
            new JobPlanner(_journal, _state.Path).Plan(Received(draft));
            return Task.FromResult(DelegatedStart.NotTaken);
        });

        var started = await keeper.StartAsync(LocalHost.Instance, Request(), CancellationToken.None);

        Assert.Equal(JournalPhase.Launched, _journal.Get(started.Id)!.Phase);
        Assert.Single(_journal.List());
        await Poll.UntilAsync(() => File.Exists(Counter) && File.ReadAllText(Counter) == "run\n", "the job's one run");
        await using (var session = Shells.Session("dash", _target.Path))
        {
            await Poll.UntilAsync(async () => await new JobClient(session).StatusAsync(started.Id), s => s.State.IsFinished(), "the job's end");
        }

        Assert.Equal("run\n", File.ReadAllText(Counter));
    }

    [Fact(Timeout = 60_000)]
    public async Task An_id_journaled_before_under_another_cookie_is_refused_as_without_a_daemon()
    {
        var keeper = Keeper((_, _) => Task.FromResult(DelegatedStart.Unsettled));
        var id = JobId.Parse("taken");
        new JobPlanner(_journal, _state.Path).Plan(id, Endpoint, new JobSpec("true"), RestartPolicy.None);

        var failure = await Assert.ThrowsAsync<SessionKeeperException>(() => keeper.StartAsync(LocalHost.Instance, Request() with { Id = id }, CancellationToken.None));

        Assert.Equal(FailureKind.InvalidInput, failure.Kind);
        Assert.Contains("already has a job 'taken'", failure.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Counter));
    }

    private JobRequest Request() => new(new JobSpec($"echo run >> '{Counter}'", Shell: "/bin/sh"));

    private JournalJob Draft() => JobPlanner.Draft(JobId.New(), Endpoint, Request().Spec, RestartPolicy.None, _state.Path, DateTimeOffset.UtcNow);

    /// <summary>The job as the daemon reads it off the socket.</summary>
    private JournalJob Received(JournalJob draft) =>
        StartRequest.Decode(new StartRequest(Path.Combine(_state.Path, JobJournal.FileName), draft, CanPrompt: false).Encode(), _state.Path).Job;

    private JobKeeper Keeper(Func<JournalJob, CancellationToken, Task<DelegatedStart>> daemon) =>
        JobKeeper.Open(new JobKeeperOptions { Transport = new DaemonTransport(_target.Path, daemon), StateDirectory = _state.Path });

    private sealed class LocalHost : IJobHost
    {
        public static LocalHost Instance { get; } = new();

        public string Label => Endpoint.Label;
    }

    /// <summary>The CLI's transport: starts go to <paramref name="daemon"/>, connections to the local shell.</summary>
    private sealed class DaemonTransport(string target, Func<JournalJob, CancellationToken, Task<DelegatedStart>> daemon) : ITransport, IJournalingTransport
    {
        public IRemoteConnector Connector(IJobHost host) => new Local(target, () => false);

        public JobEndpoint Describe(IJobHost host) => Endpoint;

        public IJobHost Restore(JobEndpoint endpoint) => LocalHost.Instance;

        public Task<DelegatedStart> StartAsync(string stateRoot, string? journal, JournalJob draft, CancellationToken cancellationToken) => daemon(draft, cancellationToken);
    }

    private sealed class Local(string target, Func<bool> unreachable) : IRemoteConnector
    {
        public string HostLabel => "local";

        public Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default) => unreachable()
            ? throw new SessionKeeperException(FailureKind.Unreachable, "local: connection refused.")
            : Task.FromResult<IRemoteSession>(Shells.Session("dash", target, keepStreamInput: true));
    }
}
