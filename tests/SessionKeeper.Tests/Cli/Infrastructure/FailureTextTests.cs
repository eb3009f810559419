using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Tests.Cli.Infrastructure;

/// <summary>The library says what happened; the CLI adds which of its commands comes next.</summary>
public class FailureTextTests
{
    [Fact]
    public void A_job_missing_on_the_target_points_at_ps()
    {
        var failure = RemoteErrors.ToException(RemoteErrors.NoSuchJob, "web1", JobId.Parse("k7q2"));
        Assert.Equal("no job 'k7q2' on web1.", failure.Message);
        Assert.Equal("no job 'k7q2' on web1; `sessionkeeper ps web1` lists the jobs there.", FailureText.Describe(failure));
    }

    [Fact]
    public void A_running_job_points_at_kill()
    {
        var failure = RemoteErrors.ToException(RemoteErrors.JobRunning, "web1", JobId.Parse("k7q2"));
        Assert.Equal((FailureKind.InvalidInput, "web1", "k7q2", "job-running"), (failure.Kind, failure.Host, failure.JobId?.Value, failure.RemoteCode));
        Assert.Equal("job 'k7q2' on web1 is still running; `sessionkeeper kill web1 k7q2` first.", FailureText.Describe(failure));
    }

    [Fact]
    public void A_job_missing_from_the_journal_points_at_jobs()
    {
        var failure = new SessionKeeperException(FailureKind.JobNotFound, "no job 'k7' in the journal /j.db.") { JobId = JobId.Parse("k7") };
        Assert.Equal("no job 'k7' in the journal /j.db; give the host too (sessionkeeper CMD HOST JOB), or see `sessionkeeper jobs`.", FailureText.Describe(failure));
    }

    [Fact]
    public void A_corrupt_journal_points_at_another_state_directory()
    {
        var failure = new SessionKeeperException(FailureKind.StateCorrupt, "the journal /j.db is unreadable (file is not a database); it was left untouched. Move it aside to start a new one.");
        Assert.Equal("the journal /j.db is unreadable (file is not a database); it was left untouched. Move it aside to start a new one; `--state-dir DIR` works with another state directory meanwhile.", FailureText.Describe(failure));
    }

    [Fact]
    public void Other_failures_are_printed_as_the_library_words_them()
    {
        var failure = RemoteErrors.ToException("bad-cwd", "web1", JobId.Parse("k7q2"));
        Assert.Equal(failure.Message, FailureText.Describe(failure));
    }

    [Fact]
    public void No_message_of_the_library_names_a_command_of_the_cli()
    {
        string[] codes = ["no-such-job", "bad-id", "foreign-owner", "id-exists", "bad-cwd", "job-running", "no-setsid", "no-home", "cannot-create-base", "log-truncated", "bad-signal", "no-log", "tampered-log", "other"];
        Assert.All(codes, code => Assert.DoesNotContain("sessionkeeper ", RemoteErrors.ToException(code, "h", JobId.Parse("j")).Message, StringComparison.Ordinal));
    }
}
