using Microsoft.Extensions.Time.Testing;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Supervision;

/// <summary>
/// What each way into the journal records, read back from it: ids, phases, attempts, roots,
/// batches, creation times on the planner's clock, fresh cookies, mirrors under the state root.
/// </summary>
public sealed class JobPlannerTests : IDisposable
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000);
    private static readonly JobSpec Spec = new("make test", "/src", [new("A", "1")], "/bin/bash", TimeSpan.FromMilliseconds(1500), TimeSpan.FromSeconds(3));
    private static readonly RestartPolicy Restart = new(RestartMode.OnFailure, 3, TimeSpan.FromSeconds(2));
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(Start);

    public void Dispose() => _dir.Dispose();

    private static JobEndpoint Host(string name, int port = 22) => new("deploy", name, port, ["/k"], ["/kh"], TimeSpan.FromSeconds(5));

    [Fact]
    public void A_run_is_planned_and_journaled_as_returned()
    {
        var journal = JobJournal.Open(_dir.Path);
        var job = new JobPlanner(journal, _dir.Path, _time).Plan(JobId.Parse("run1"), Host("web1", 2222), Spec, Restart);

        var read = journal.Get(JobId.Parse("run1"))!;
        Assert.Equal((JournalPhase.Planned, 1, (string?)null, (string?)null, Start), (read.Phase, read.Attempt, read.RootId?.Value, read.BatchId, read.CreatedAt));
        Assert.Equal((job.Cookie, job.MirrorPath, "deploy@web1:2222", job.Restart), (read.Cookie, read.MirrorPath, read.Endpoint.Label, read.Restart));
        Assert.Equal(Spec.Command, read.Spec.Command);
        Assert.Equal(32, job.Cookie.Value.Length);
        Assert.Equal(StateLayout.Mirror(_dir.Path, "deploy@web1:2222", JobId.Parse("run1")), job.MirrorPath);
        Assert.Throws<SessionKeeper.Core.Failures.SessionKeeperException>(() => new JobPlanner(journal, _dir.Path, _time).Plan(JobId.Parse("no/slash"), Host("web1"), Spec, Restart));
    }

    [Fact]
    public void A_next_attempt_is_an_intent_of_the_same_root_host_command_policy_and_batch()
    {
        var journal = JobJournal.Open(_dir.Path);
        var planner = new JobPlanner(journal, _dir.Path, _time);
        var first = planner.PlanBatch("b", [Host("web1")], null, Spec, Restart, CancellationToken.None)[0];
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = planner.PlanRetry(first, 2);
        var fourth = planner.PlanRetry(second, 4);

        Assert.Equal(("b-1-r2", "b-1", 2, JournalPhase.Intent, "b"), (second.Id.Value, second.RootId?.Value, second.Attempt, second.Phase, second.BatchId));
        Assert.Equal(("b-1-r4", "b-1", 4), (fourth.Id.Value, fourth.RootId?.Value, fourth.Attempt));
        Assert.Equal((first.Endpoint, first.Spec, first.Restart), (fourth.Endpoint, fourth.Spec, fourth.Restart));
        Assert.NotEqual(first.Cookie, second.Cookie);
        Assert.Equal(Start.AddMinutes(1), journal.Get(JobId.Parse("b-1-r2"))!.CreatedAt);
        Assert.Equal(["b-1", "b-1-r2", "b-1-r4"], journal.Attempts(JobId.Parse("b-1")).Select(j => j.Id.Value));
    }

    [Fact]
    public void A_batch_numbers_its_hosts_to_one_width_and_a_batch_retry_plans_their_next_attempts()
    {
        var journal = JobJournal.Open(_dir.Path);
        var planner = new JobPlanner(journal, _dir.Path, _time);
        var hosts = Enumerable.Range(1, 10).Select(i => Host($"h{i}")).ToList();
        var jobs = planner.PlanBatch("b", hosts, null, Spec, Restart, CancellationToken.None);

        Assert.Equal([.. Enumerable.Range(1, 10).Select(i => $"b-{i:00}")], journal.Batch("b").Select(j => j.Id.Value));
        Assert.All(journal.Batch("b"), j => Assert.Equal((JournalPhase.Planned, 1, Start, "b"), (j.Phase, j.Attempt, j.CreatedAt, j.BatchId)));
        Assert.Equal(10, jobs.Select(j => j.Cookie).Distinct().Count());

        var retries = planner.PlanBatchRetry([jobs[2], jobs[9]], CancellationToken.None);
        Assert.Equal(["b-03-r2", "b-10-r2"], retries.Select(j => j.Id.Value));
        Assert.All(retries, j => Assert.Equal((JournalPhase.Planned, 2, "b"), (journal.Get(j.Id)!.Phase, journal.Get(j.Id)!.Attempt, journal.Get(j.Id)!.BatchId)));
        Assert.Equal("deploy@h10", journal.Get(JobId.Parse("b-10-r2"))!.Endpoint.Label);

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => planner.PlanBatch("c", hosts, null, Spec, Restart, cancelled.Token));
        Assert.Empty(journal.Batch("c"));
    }

    [Fact]
    public void A_job_launched_elsewhere_joins_the_journal_launched_and_running()
    {
        var journal = JobJournal.Open(_dir.Path);
        new JobPlanner(journal, _dir.Path, _time).JoinJournal(JobId.Parse("k7q2"), Host("web1"));

        var read = journal.Get(JobId.Parse("k7q2"))!;
        Assert.Equal((JournalPhase.Launched, JobState.Running, "adopted", "(adopted)"), (read.Phase, read.LastStatus!.State, read.Cookie.Value, read.Spec.Command));
        Assert.Equal(StateLayout.Mirror(_dir.Path, "deploy@web1", JobId.Parse("k7q2")), read.MirrorPath);
    }
}
