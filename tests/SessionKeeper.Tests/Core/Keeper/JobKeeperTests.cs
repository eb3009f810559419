using System.Collections.Concurrent;
using System.Text;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Fleet.Runs;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Keeper;

/// <summary>
/// The facade over a local shell served as a target (dash), with streams that break every few
/// thousand bytes: what a C# program sees of a job, events and both cancellations.
/// </summary>
public sealed class JobKeeperTests : IDisposable
{
    /// <summary>Fast reconnections; the watchdog is not what is tested here, so it is generous.</summary>
    private static readonly AttachOptions Follow = new()
    {
        Heartbeat = TimeSpan.FromMilliseconds(200),
        DeadAfter = TimeSpan.FromSeconds(60),
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
        ChunkBytes = 64 * 1024,
    };

    private readonly TempDir _target = new();
    private readonly TempDir _local = new();
    private readonly LocalTransport _transport;
    private readonly JobKeeper _keeper;

    public JobKeeperTests()
    {
        _transport = new LocalTransport(_target.Path);
        _keeper = JobKeeper.Open(new JobKeeperOptions { Transport = _transport, StateDirectory = _local.Path });
    }

    private static LocalHost Host { get; } = new();

    public void Dispose()
    {
        _target.Dispose();
        _local.Dispose();
    }

    [Fact(Timeout = 60_000)]
    public async Task Events_carry_the_output_exactly_once_through_broken_streams_and_end_with_the_exit_code()
    {
        _transport.BreakEvery = 3000;
        var request = new JobRequest(new JobSpec("i=0; while [ $i -lt 2000 ]; do echo \"line $i\"; i=$((i+1)); [ $((i % 400)) -eq 0 ] && sleep 0.1; done; exit 7", Shell: "/bin/sh"));
        var output = new MemoryStream();
        var events = new List<JobEvent>();

        await foreach (var e in _keeper.StartAndFollowAsync(Host, request, Follow))
        {
            events.Add(e);
            if (e is JobEvent.Output o)
            {
                Assert.Equal(output.Length, o.Offset);
                output.Write(o.Bytes.Span);
            }
        }

        var expected = string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i}\n"));
        Assert.Equal(expected, Encoding.ASCII.GetString(output.ToArray()));
        var finished = Assert.IsType<JobEvent.Finished>(events[^1]);
        Assert.Equal(7, finished.Result.ExitCode);
        Assert.IsType<JobEvent.Launched>(events[0]);
        Assert.True(_transport.Breaks > 0, "no stream broke");
        Assert.Contains(events, e => e is JobEvent.Disconnected);
        Assert.Equal(JournalPhase.Finished, _keeper.Journal.Get(finished.Result.Job.Id)!.Phase);
    }

    [Fact(Timeout = 60_000)]
    public async Task Detaching_throws_JobDetachedException_and_the_job_runs_on()
    {
        using var detach = new CancellationTokenSource();
        var request = new JobRequest(new JobSpec("echo ready; exec sleep 300", Shell: "/bin/sh"));
        string? id = null;

        var error = await Assert.ThrowsAsync<JobDetachedException>(async () =>
        {
            await foreach (var e in _keeper.StartAndFollowAsync(Host, request, Follow, detach.Token))
            {
                id ??= (e as JobEvent.Launched)?.JobId.Value;
                if (e is JobEvent.Output)
                {
                    await detach.CancelAsync();
                }
            }
        });

        Assert.Equal(id, error.JobId.Value);
        Assert.Equal(JobState.Running, (await _keeper.StatusAsync(id!)).State);
        var killed = await _keeper.KillAsync(id!, TimeSpan.FromSeconds(5));
        Assert.Equal(JobState.Killed, killed.Status.State);
    }

    [Fact(Timeout = 60_000)]
    public async Task Leaving_the_loop_early_detaches_too()
    {
        var request = new JobRequest(new JobSpec("echo ready; exec sleep 300", Shell: "/bin/sh"));
        string? id = null;

        await foreach (var e in _keeper.StartAndFollowAsync(Host, request, Follow))
        {
            id ??= (e as JobEvent.Launched)?.JobId.Value;
            if (e is JobEvent.Output)
            {
                break;
            }
        }

        Assert.Equal(JobState.Running, (await _keeper.StatusAsync(id!)).State);
        await _keeper.KillAsync(id!, TimeSpan.FromSeconds(5));
    }

    [Fact(Timeout = 60_000)]
    public async Task Killing_stops_the_job_and_returns_its_final_status()
    {
        using var kill = new CancellationTokenSource();
        var request = new JobRequest(new JobSpec("echo ready; exec sleep 300", Shell: "/bin/sh", Grace: TimeSpan.FromSeconds(5)));
        JobResult? result = null;

        await foreach (var e in _keeper.StartAndFollowAsync(Host, request, Follow, kill: kill.Token))
        {
            if (e is JobEvent.Output)
            {
                await kill.CancelAsync();
            }

            result = (e as JobEvent.Finished)?.Result ?? result;
        }

        Assert.NotNull(result);
        Assert.True(result.KilledOnRequest);
        Assert.Equal((JobState.Killed, 15, 143), (result.Status.State, result.Status.Signal, result.ExitCode));
    }

    [Fact(Timeout = 60_000)]
    public async Task Run_writes_the_output_to_a_stream_and_wait_status_and_prefixes_find_the_job()
    {
        var started = await _keeper.StartAsync(Host, new JobRequest(new JobSpec("printf 'a\\nb\\n'; exit 4", Shell: "/bin/sh")) { Id = JobId.Parse("keeper-prefix-test") });

        var waited = await _keeper.WaitAsync("keeper-pre");
        using var output = new MemoryStream();
        var attached = await _keeper.AttachAsync("keeper-prefix", null, JobStreams.Merged(output), Follow);

        Assert.Equal("keeper-prefix-test", started.Id.Value);
        Assert.Equal((JobState.Exited, 4), (waited.State, waited.ExitCode));
        Assert.Equal("a\nb\n", Encoding.ASCII.GetString(output.ToArray()));
        Assert.Equal(4, attached.ExitCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_finished_job_s_status_is_the_journal_s_record_of_the_target_s_answer_without_a_connection()
    {
        var request = new JobRequest(new JobSpec("echo out; echo err >&2; exit 3", Shell: "/bin/sh"));
        JobResult? result = null;
        await foreach (var e in _keeper.StartAndFollowAsync(Host, request, Follow))
        {
            result = (e as JobEvent.Finished)?.Result ?? result;
        }

        var id = result!.Job.Id.Value;
        var asked = await _keeper.StatusAsync(id, refresh: true);
        _transport.Unreachable = true;
        var connects = _transport.Connects;

        var answered = await _keeper.StatusAsync(id);
        var refreshed = await Assert.ThrowsAsync<SessionKeeperException>(() => _keeper.StatusAsync(id, refresh: true));

        Assert.Equal(JournalPhase.Finished, _keeper.Journal.Get(result.Job.Id)!.Phase);
        Assert.Equal((JobState.Exited, 3), (answered.State, answered.ExitCode));
        Assert.Equal(StatusJson.Write(asked), StatusJson.Write(answered));
        Assert.Equal((asked.Describe(), asked.Pid, asked.CommandPreview, asked.Created, asked.Ended, asked.LogSize), (answered.Describe(), answered.Pid, answered.CommandPreview, answered.Created, answered.Ended, answered.LogSize));
        Assert.Equal(FailureKind.Unreachable, refreshed.Kind);
        Assert.Equal(connects + 1, _transport.Connects); // the refresh alone tried
    }

    [Fact(Timeout = 60_000)]
    public async Task A_job_whose_end_the_journal_has_not_recorded_is_asked_of_the_target()
    {
        var started = await _keeper.StartAsync(Host, new JobRequest(new JobSpec("exit 0", Shell: "/bin/sh")));
        var waited = await _keeper.WaitAsync(started.Id.Value); // seen ended, but nobody settled its output
        _transport.Unreachable = true;

        var error = await Assert.ThrowsAsync<SessionKeeperException>(() => _keeper.StatusAsync(started.Id.Value));

        Assert.Equal(JobState.Exited, waited.State);
        Assert.NotEqual(JournalPhase.Finished, _keeper.Journal.Get(started.Id)!.Phase);
        Assert.Equal(FailureKind.Unreachable, error.Kind);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_finished_job_recorded_before_the_journal_kept_answers_is_asked_of_the_target()
    {
        JobResult? result = null;
        await foreach (var e in _keeper.StartAndFollowAsync(Host, new JobRequest(new JobSpec("exit 0", Shell: "/bin/sh")), Follow))
        {
            result = (e as JobEvent.Finished)?.Result ?? result;
        }

        var id = result!.Job.Id;
        _keeper.Journal.Run(c =>
        {
            using var forget = c.CreateCommand();
            forget.CommandText = $"UPDATE jobs SET answer_json = NULL WHERE id = '{id.Value}'"; // as schema 8 left it
            return forget.ExecuteNonQuery();
        });
        _transport.Unreachable = true;

        var error = await Assert.ThrowsAsync<SessionKeeperException>(() => _keeper.StatusAsync(id.Value));

        Assert.Equal(JournalPhase.Finished, _keeper.Journal.Get(id)!.Phase);
        Assert.Equal(FailureKind.Unreachable, error.Kind);
    }

    [Theory]
    [InlineData("echo a\0b", null, "NUL")]
    [InlineData("", null, "empty")]
    [InlineData("true", "1BAD", "'1BAD' is not an environment variable name")]
    public void A_request_that_fails_validation_journals_nothing(string command, string? variable, string message)
    {
        var spec = new JobSpec(command, Environment: variable is null ? null : [new(variable, "x")], Shell: "/bin/sh");

        var error = Assert.Throws<SessionKeeperException>(() => _keeper.Plan(Host, new JobRequest(spec)));

        Assert.Equal(FailureKind.InvalidInput, error.Kind);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Empty(_keeper.Journal.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_target.Path));
    }

    [Fact]
    public void A_bad_id_is_refused_before_anything_is_journaled()
    {
        var error = Assert.Throws<SessionKeeperException>(() => _keeper.Plan(Host, new JobRequest("true") { Id = JobId.Parse("../etc") }));

        Assert.Equal(FailureKind.InvalidInput, error.Kind);
        Assert.Empty(_keeper.Journal.List());
    }

    [Fact(Timeout = 60_000)]
    public async Task A_batch_runs_on_every_host_and_each_host_is_reported_once()
    {
        var jobs = _keeper.PlanBatch("bat1", [Host, Host, Host], new JobRequest(new JobSpec("echo hi; exit 4", Shell: "/bin/sh")));
        Assert.Equal(["bat1-1", "bat1-2", "bat1-3"], jobs.Select(j => j.Id.Value));
        var observer = new RecordingFleetObserver();

        var results = await _keeper.RunBatchAsync("bat1", jobs, observer, parallel: 2, options: Follow);

        Assert.All(results, r => Assert.Equal((FleetOutcome.Failed, 4), (r.Outcome, r.Status!.ExitCode)));
        Assert.Equal(jobs.Select(j => j.Id.Value).Order(), observer.Finished.Order());
        Assert.Equal(jobs.Select(j => j.Id.Value).Order(), observer.Launched.Order());
        Assert.All(jobs, j => Assert.Equal(JournalPhase.Finished, _keeper.Journal.Get(j.Id)!.Phase));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_batch_start_cancelled_after_one_host_leaves_the_others_not_launched()
    {
        var jobs = _keeper.PlanBatch("bat2", [Host, Host, Host], new JobRequest(new JobSpec("exec sleep 300", Shell: "/bin/sh")));
        using var cancel = new CancellationTokenSource();
        var started = new List<BatchStart>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _keeper.StartBatchAsync("bat2", jobs, parallel: 1, started: s =>
        {
            started.Add(s);
            cancel.Cancel();
        }, cancellationToken: cancel.Token));

        var first = Assert.Single(started);
        Assert.Null(first.Failure);
        Assert.Equal(JobState.Running, first.Status!.State);
        Assert.Equal([first.Job.Id], _keeper.Unfinished().Select(j => j.Id));
        Assert.Equal(jobs.Select(j => j.Id).Where(id => id != first.Job.Id).Order(), _keeper.NotStarted().Select(j => j.Id).Order());
        Assert.Equal(JobState.Killed, (await _keeper.KillAsync(first.Job.Id.Value, TimeSpan.FromSeconds(5))).Status.State);

        // A host that was sent nothing is not started by following it, only by a retry by name.
        var unsent = _keeper.NotStarted()[0];
        var refused = await Assert.ThrowsAsync<SessionKeeperException>(() => _keeper.AttachAsync(unsent.Id.Value, null, null, Follow));
        Assert.Equal(FailureKind.InvalidInput, refused.Kind);
        Assert.Contains("never launched", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_target.JobDir(unsent.Id.Value)), "following a job that was never sent launched it");

        var retried = await _keeper.StartRetryAsync(_keeper.PlanRetry(unsent.Id.Value));
        Assert.Equal((unsent.Id, JobState.Running), (retried.Id, retried.Launched.State));
        await Assert.ThrowsAsync<SessionKeeperException>(() => _keeper.StartRetryAsync(unsent));
        Assert.Equal(JobState.Killed, (await _keeper.KillAsync(unsent.Id.Value, TimeSpan.FromSeconds(5))).Status.State);
    }

    private sealed class RecordingFleetObserver : IFleetObserver
    {
        public ConcurrentQueue<string> Launched { get; } = new();

        public ConcurrentQueue<string> Finished { get; } = new();

        public JobStreams? OutputFor(JournalJob job) => null;

        public IAttachObserver StreamObserverFor(JournalJob job) => NullAttachObserver.Instance;

        void IFleetObserver.Launched(JournalJob job, JobStatus status) => Launched.Enqueue(job.Id.Value);

        void IFleetObserver.Finished(FleetHostResult result) => Finished.Enqueue(result.Job.Id.Value);

        public void Warning(JournalJob job, string warning)
        {
        }
    }

    private sealed class LocalHost : IJobHost
    {
        public string Label => "u@local";
    }

    /// <summary>The one local host, served by dash; streams break every <see cref="BreakEvery"/> bytes when set.</summary>
    private sealed class LocalTransport(string target) : ITransport
    {
        private FlakyConnector? _flaky;
        private int _refused;

        public int BreakEvery { get; set; }

        public int Breaks => _flaky?.Breaks ?? 0;

        /// <summary>Set, connections through <see cref="Connector"/> are refused, as a host that is down.</summary>
        public bool Unreachable { get; set; }

        /// <summary>The connections asked for while <see cref="Unreachable"/>.</summary>
        public int Connects => _refused;

        public IRemoteConnector Connector(IJobHost host)
        {
            if (Unreachable)
            {
                return new Refusing(this);
            }

            if (BreakEvery == 0)
            {
                return new Steady(target);
            }

            return _flaky ??= new FlakyConnector(() => Shells.Session("dash", target, keepStreamInput: true), TestSeed.Of(17), BreakEvery);
        }

        public JobEndpoint Describe(IJobHost host) => new("u", "local", 22, [], [], TimeSpan.FromSeconds(5));

        public IJobHost Restore(JobEndpoint endpoint) => Host;

        private sealed class Refusing(LocalTransport transport) : IRemoteConnector
        {
            public string HostLabel => "local";

            public Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default)
            {
                Interlocked.Increment(ref transport._refused);
                throw new SessionKeeperException(FailureKind.Unreachable, "local: connection refused.");
            }
        }

        private sealed class Steady(string target) : IRemoteConnector
        {
            public string HostLabel => "local";

            public Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default) =>
                Task.FromResult<IRemoteSession>(Shells.Session("dash", target, keepStreamInput: true));
        }
    }
}
