using System.Security.Cryptography;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Journal;

public sealed class JobJournalTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static JournalJob NewJob(string id, string host = "web1") => new()
    {
        Id = id,
        Endpoint = new JobEndpoint("deploy", host, 2222, ["/k1", "/k2"], ["/kh"], TimeSpan.FromSeconds(7)),
        Cookie = JobId.NewCookie(),
        Spec = new JobSpec("echo 'a b' \"$X\"\nnext", "/srv", [new("X", "it's")], "/bin/bash", TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(3)),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000),
        Restart = new RestartPolicy(RestartMode.OnFailure, 5, TimeSpan.FromMilliseconds(1500)),
    };

    [Fact]
    public void An_intent_round_trips_every_field()
    {
        var journal = JobJournal.Open(_dir.Path);
        var job = NewJob("abc-1");
        journal.AddIntent(job);
        var read = journal.Get("abc-1")!;
        Assert.Equal(JournalPhase.Planned, read.Phase);
        Assert.Equal(job.Endpoint with { IdentityFiles = [], KnownHostsFiles = [] }, read.Endpoint with { IdentityFiles = [], KnownHostsFiles = [] });
        Assert.Equal(job.Endpoint.IdentityFiles, read.Endpoint.IdentityFiles);
        Assert.Equal(job.Spec.Command, read.Spec.Command);
        Assert.Equal(job.Spec.Environment, read.Spec.Environment);
        Assert.Equal(job.Spec.Timeout, read.Spec.Timeout);
        Assert.Equal(job.Cookie, read.Cookie);
        Assert.Equal(job.Restart, read.Restart);
        Assert.Equal("planned", read.StateText);
    }

    [Fact]
    public void A_command_that_is_not_utf8_round_trips_as_bytes()
    {
        var journal = JobJournal.Open(_dir.Path);
        byte[] bytes = [(byte)'e', (byte)'c', (byte)'h', (byte)'o', (byte)' ', 0xff, 0xfe, (byte)'\'', 0x80];
        var job = NewJob("abc-bytes");
        journal.AddIntent(job with { Spec = job.Spec.WithCommand(bytes) });
        journal.AddIntent(NewJob("abc-text"));

        var read = journal.Get("abc-bytes")!;
        Assert.Equal(bytes, read.Spec.RawCommand);
        Assert.Equal(bytes, read.Spec.CommandBytes);
        Assert.Equal("echo \uFFFD\uFFFD'\uFFFD", read.Spec.Command);
        Assert.Null(journal.Get("abc-text")!.Spec.RawCommand);
        Assert.Equal(job.Spec.Command, journal.Get("abc-text")!.Spec.Command);
    }

    [Fact]
    public void Statuses_move_a_job_through_its_phases()
    {
        var journal = JobJournal.Open(_dir.Path);
        journal.AddIntent(NewJob("abc-2"));
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        journal.RecordStatus("abc-2", new JobStatus { Id = "abc-2", State = JobState.Running, Pid = 77, ProcessGroup = 77, StartTime = 5, BootId = "b" }, now);
        Assert.Equal(JournalPhase.Launched, journal.Get("abc-2")!.Phase);
        Assert.Equal(1, journal.MarkUnfinishedToBeChecked());
        Assert.Equal("to-be-checked", journal.Get("abc-2")!.StateText);
        journal.RecordStatus("abc-2", new JobStatus { Id = "abc-2", State = JobState.Killed, ExitCode = 143, Signal = 15 }, now, 99);
        var done = journal.Get("abc-2")!;
        Assert.Equal(JournalPhase.Finished, done.Phase);
        Assert.Equal("killed", done.StateText);
        Assert.Equal(15, done.LastStatus!.Signal);
        Assert.Equal(77, done.LastStatus.Pid);
        Assert.Equal(99, done.CommittedLength);
        Assert.Empty(journal.Unfinished());
    }

    [Fact]
    public void A_status_seen_after_the_end_never_moves_a_finished_job_back()
    {
        var journal = JobJournal.Open(_dir.Path);
        journal.AddIntent(NewJob("abc-3"));
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var exited = new JobStatus { Id = "abc-3", State = JobState.Exited, ExitCode = 2 };
        journal.RecordStatus("abc-3", exited, now, 42);
        journal.RecordStatus("abc-3", exited, now.AddSeconds(5), settled: false);
        var job = journal.Get("abc-3")!;
        Assert.Equal((JournalPhase.Finished, 2, 42L), (job.Phase, job.LastStatus!.ExitCode, job.CommittedLength));
        Assert.Empty(journal.Unfinished());
    }

    [Fact]
    public void Ids_resolve_by_unique_prefix_like_git()
    {
        var journal = JobJournal.Open(_dir.Path);
        journal.AddIntent(NewJob("k7q2-aaaa"));
        journal.AddIntent(NewJob("k7q2-bbbb"));
        journal.AddIntent(NewJob("m9xa-cccc"));
        Assert.Equal("m9xa-cccc", journal.Resolve("m9").Id);
        Assert.Equal("k7q2-bbbb", journal.Resolve("k7q2-b").Id);
        Assert.Equal(FailureKind.InvalidInput, Assert.Throws<SessionKeeperException>(() => journal.Resolve("k7")).Kind);
        Assert.Equal(FailureKind.JobNotFound, Assert.Throws<SessionKeeperException>(() => journal.Resolve("zz")).Kind);
        Assert.Equal(FailureKind.InvalidInput, Assert.Throws<SessionKeeperException>(() => journal.Resolve("../x")).Kind);
    }

    [Fact]
    public void A_duplicate_id_is_refused() =>
        Assert.Throws<SessionKeeperException>(() =>
        {
            var journal = JobJournal.Open(_dir.Path);
            journal.AddIntent(NewJob("dup"));
            journal.AddIntent(NewJob("dup"));
        });

    [Fact]
    public void A_journal_written_by_schema_version_1_loads()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "journal-v1.db"), Path.Combine(_dir.Path, JobJournal.FileName));
        var journal = JobJournal.Open(_dir.Path);
        var old = journal.Get("v1old-job1")!;
        Assert.Equal(JournalPhase.Finished, old.Phase);
        Assert.Equal(3, old.LastStatus!.ExitCode);
        Assert.Equal("./long-task.sh --flag 'x'", old.Spec.Command);
        Assert.Equal(2222, old.Endpoint.Port);
        Assert.Equal(1, old.Attempt);
        Assert.Equal(RestartMode.No, old.Restart.Mode);
        Assert.Single(journal.Unfinished());
        journal.AddIntent(NewJob("after-migration"));
        Assert.Equal(3, journal.List().Count);
    }

    [Fact]
    public void Only_a_job_that_may_have_been_sent_is_left_to_resume_and_the_daemon()
    {
        var journal = JobJournal.Open(_dir.Path);
        journal.AddIntents([NewJob("planned"), NewJob("refused"), NewJob("skipped"), NewJob("sent")]);
        journal.RecordNotLaunched("refused", "host key refused");
        journal.RecordSkipped("skipped", "--max-failures reached");
        journal.MarkSending("sent");

        Assert.Equal(["sent"], journal.Unfinished().Select(j => j.Id));
        Assert.Equal(["planned", "refused", "skipped"], journal.NotStarted().Select(j => j.Id).Order(StringComparer.Ordinal));
        var refused = journal.Get("refused")!;
        Assert.Equal((JournalPhase.NotLaunched, "not-launched", "host key refused"), (refused.Phase, refused.StateText, refused.NotLaunchedReason));
        Assert.Equal(("skipped", "--max-failures reached"), (journal.Get("skipped")!.StateText, journal.Get("skipped")!.NotLaunchedReason));

        // A job that may have been sent never goes back to "not launched".
        journal.RecordNotLaunched("sent", "too late");
        Assert.Equal(JournalPhase.Intent, journal.Get("sent")!.Phase);

        // An explicit retry sends it: from then on it is an intent like any other.
        journal.MarkSending("refused");
        Assert.Equal((JournalPhase.Intent, null), (journal.Get("refused")!.Phase, journal.Get("refused")!.NotLaunchedReason));
    }

    [Fact]
    public void A_cancelled_batch_journals_nothing()
    {
        var journal = JobJournal.Open(_dir.Path);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => journal.AddIntents([.. Enumerable.Range(0, 1000).Select(i => NewJob($"c-{i}"))], cancelled.Token));
        Assert.Empty(journal.List());
    }

    [Fact]
    public void A_journal_written_by_schema_version_2_loads()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "journal-v2.db"), Path.Combine(_dir.Path, JobJournal.FileName));
        var journal = JobJournal.Open(_dir.Path);
        var retried = journal.Get("v2b4tch-0001-r2")!;
        Assert.Equal(JournalPhase.Finished, retried.Phase);
        Assert.Equal(9, retried.LastStatus!.Signal);
        Assert.Equal(2, retried.Attempt);
        Assert.Equal("v2b4tch-0001", retried.RootId);
        Assert.Equal(new RestartPolicy(RestartMode.OnFailure, 3, TimeSpan.FromSeconds(1)), retried.Restart);
        Assert.Equal(2, journal.Batch("v2b4tch").Count);
        var running = Assert.Single(journal.Unfinished());
        Assert.True(running.ToBeChecked);
        Assert.Equal(2222, running.Endpoint.Port);
    }

    [Fact]
    public void A_corrupt_journal_is_refused_and_left_untouched()
    {
        var path = Path.Combine(_dir.Path, JobJournal.FileName);
        var garbage = RandomNumberGenerator.GetBytes(8192);
        File.WriteAllBytes(path, garbage);
        var error = Assert.Throws<SessionKeeperException>(() => JobJournal.Open(_dir.Path));
        Assert.Equal(FailureKind.StateCorrupt, error.Kind);
        Assert.Contains("left untouched", error.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_journal_from_a_newer_version_is_refused_and_left_untouched()
    {
        var journal = JobJournal.Open(_dir.Path);
        journal.AddIntent(NewJob("x"));
        journal.Run(c =>
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE meta SET value = '99' WHERE key = 'schema_version'";
            return cmd.ExecuteNonQuery();
        });
        var path = Path.Combine(_dir.Path, JobJournal.FileName);
        var before = SHA256.HashData(File.ReadAllBytes(path));
        var error = Assert.Throws<SessionKeeperException>(() => JobJournal.Open(_dir.Path));
        Assert.Contains("newer SessionKeeper", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(path)));
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(42, true)]
    public void Restart_on_failure_stops_at_success_or_the_limit(int code, bool _)
    {
        var policy = new RestartPolicy(RestartMode.OnFailure, 2, TimeSpan.Zero);
        var status = new JobStatus { Id = "a", State = JobState.Exited, ExitCode = code };
        Assert.Equal(code != 0, policy.ShouldRestart(status, 1));
        Assert.Equal(code != 0, policy.ShouldRestart(status, 2));
        Assert.False(policy.ShouldRestart(status, 3));
        Assert.True(new RestartPolicy(RestartMode.Always, 1, TimeSpan.Zero).ShouldRestart(status, 1));
    }
}
