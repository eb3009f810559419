using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Fleet.Runs;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Fleet.Runs;

/// <summary>
/// --max-failures with -j 1: the host that takes the slot next must see the failure of the host
/// that just gave it back, or one host too many is launched.
/// </summary>
public class FleetRunnerLimitTests
{
    private const int Rounds = 1000;

    [Fact(Timeout = 60_000)]
    public async Task With_one_slot_no_host_is_tried_after_the_limit()
    {
        using var dir = new TempDir();
        var journal = JobJournal.Open(dir.Path);
        var extra = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var attempts = 0;
            var runner = new FleetRunner(journal, _ => new RefusingConnector(() => Interlocked.Increment(ref attempts)), dir.Path, new QuietObserver());
            var jobs = Enumerable.Range(1, 4).Select(i => Job($"r{round}-{i}")).ToList();

            var results = await runner.RunAsync(jobs, parallel: 1, maxFailures: 1, new AttachOptions());

            Assert.Equal(FleetOutcome.AuthenticationRefused, results[0].Outcome);
            extra += attempts - 1;
            Assert.True(attempts >= 1, "the first host was never tried");
        }

        Assert.True(extra == 0, $"{extra} host(s) were tried after --max-failures 1 was reached, over {Rounds} runs");
    }

    private static JournalJob Job(string id) => new()
    {
        Id = JobId.Parse(id),
        Endpoint = new JobEndpoint("u", "h" + id, 22, [], [], TimeSpan.FromSeconds(1)),
        Cookie = JobCookie.New(),
        Spec = new JobSpec("true", null, [], null, null, JobSpec.DefaultGrace),
    };

    private sealed class RefusingConnector(Action attempted) : IRemoteConnector
    {
        public string HostLabel => "refusing";

        public async Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default)
        {
            attempted();
            await Task.Yield();
            throw new SessionKeeperException(FailureKind.AuthenticationFailed, "refused");
        }
    }

    private sealed class QuietObserver : IFleetObserver
    {
        public JobStreams? OutputFor(JournalJob job) => null;

        public IAttachObserver StreamObserverFor(JournalJob job) => NullAttachObserver.Instance;

        public void Launched(JournalJob job, JobStatus status)
        {
        }

        public void Finished(FleetHostResult result)
        {
        }

        public void Warning(JournalJob job, string warning)
        {
        }
    }
}
