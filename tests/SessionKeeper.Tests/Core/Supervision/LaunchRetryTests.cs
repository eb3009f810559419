using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Supervision;

/// <summary>
/// Connection failures before the launch request is sent are retried within the budget (a server
/// closing excess connections must not make a host unreachable); host-key and authentication
/// refusals are final at the first attempt; without a budget the first failure is final, as for ssh.
/// </summary>
public sealed class LaunchRetryTests : IDisposable
{
    private static readonly AttachOptions Budget = SupervisorBench.QuickRetries with { GiveUpAfter = TimeSpan.FromMinutes(2) };

    private readonly SupervisorBench _bench = new();

    public void Dispose() => _bench.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task Refused_and_reset_connections_before_the_launch_are_retried_and_the_job_runs_once()
    {
        var counter = Path.Combine(_bench.Target.Path, "count");
        var connector = new RefusingConnector(6, FailureKind.Unreachable, _bench.Connect);
        var (supervisor, job) = Plan(connector, $"echo x >> '{counter}'");

        var (session, status) = await supervisor.LaunchAsync(job, Budget);
        await session.DisposeAsync();

        Assert.Equal(7, connector.Attempts);
        await Poll.UntilAsync(() => File.Exists(counter), "the job to run");
        Assert.Equal(JournalPhase.Launched, supervisor.Journal.Get(job.Id)!.Phase);
        Assert.NotNull(status);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(FailureKind.HostKeyRefused)]
    [InlineData(FailureKind.AuthenticationFailed)]
    [InlineData(FailureKind.InvalidInput)]
    public async Task A_host_key_or_authentication_refusal_is_final_at_once(FailureKind kind)
    {
        var connector = new RefusingConnector(int.MaxValue, kind, _bench.Connect);
        var (supervisor, job) = Plan(connector, "echo never");

        var failure = await Assert.ThrowsAsync<SessionKeeperException>(() => supervisor.LaunchAsync(job, Budget));

        Assert.Equal((kind, 1), (failure.Kind, connector.Attempts));
    }

    [Fact(Timeout = 30_000)]
    public async Task Without_a_budget_the_first_refusal_is_final()
    {
        var connector = new RefusingConnector(1, FailureKind.Unreachable, _bench.Connect);
        var (supervisor, job) = Plan(connector, "echo never");

        var failure = await Assert.ThrowsAsync<SessionKeeperException>(() => supervisor.LaunchAsync(job));

        Assert.Equal((FailureKind.Unreachable, 1), (failure.Kind, connector.Attempts));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_host_that_keeps_refusing_is_unreachable_once_the_budget_is_spent()
    {
        var connector = new RefusingConnector(int.MaxValue, FailureKind.Unreachable, _bench.Connect);
        var (supervisor, job) = Plan(connector, "echo never");

        var failure = await Assert.ThrowsAsync<SessionKeeperException>(() => supervisor.LaunchAsync(job, Budget with { GiveUpAfter = TimeSpan.FromMilliseconds(300) }));

        Assert.Equal(FailureKind.Unreachable, failure.Kind);
        Assert.True(connector.Attempts >= 2, $"{connector.Attempts} attempt(s)");
        Assert.Contains("tried", failure.Message, StringComparison.Ordinal);
    }

    private (JobSupervisor Supervisor, JournalJob Job) Plan(IRemoteConnector connector, string command) => _bench.Plan(connector, command);

    /// <summary>Fails its first <paramref name="failures"/> connections with <paramref name="kind"/>, then connects.</summary>
    private sealed class RefusingConnector(int failures, FailureKind kind, Func<IRemoteSession> connect) : IRemoteConnector
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public string HostLabel => "refusing";

        public Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _attempts) <= failures
                ? Task.FromException<IRemoteSession>(new SessionKeeperException(kind, $"cannot connect to refusing: {kind}."))
                : Task.FromResult(connect());
    }
}
