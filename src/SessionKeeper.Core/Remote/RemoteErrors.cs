using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;

namespace SessionKeeper.Core.Remote;

/// <summary>The runner's error codes, as messages that say what to do next.</summary>
internal static class RemoteErrors
{
    public const string NoSuchJob = "no-such-job";
    public const string JobRunning = "job-running";

    public static SessionKeeperException ToException(string code, string host, JobId? jobId)
    {
        var job = jobId?.Value ?? "?";
        SessionKeeperException error = code switch
        {
            NoSuchJob => new(FailureKind.JobNotFound, $"no job '{job}' on {host}."),
            "no-stdin" => new(FailureKind.InvalidInput, $"job '{job}' on {host} was not started with a stdin spool (it reads /dev/null): there is no stdin to send it."),
            "uploader-busy" => new(FailureKind.ConnectionLost, $"an earlier upload to the stdin of job '{job}' on {host} would not end; trying again."),
            "bad-id" => new(FailureKind.InvalidInput, $"invalid job id '{job}'."),
            "foreign-owner" => new(FailureKind.RemoteError, $"the job directory of '{job}' on {host} is not a directory owned by you; it was left untouched. Inspect it by hand."),
            "id-exists" => new(FailureKind.InvalidInput, $"a different job with id '{job}' already exists on {host}; choose another id."),
            "bad-cwd" => new(FailureKind.InvalidInput, $"the working directory does not exist on {host}; nothing was started."),
            JobRunning => new(FailureKind.InvalidInput, $"job '{job}' on {host} is still running."),
            "no-setsid" => new(FailureKind.RemoteError, $"{host} has neither setsid nor perl; SessionKeeper cannot detach a job there."),
            "no-home" => new(FailureKind.RemoteError, $"neither HOME nor XDG_STATE_HOME is set on {host}."),
            "cannot-create-base" => new(FailureKind.RemoteError, $"cannot create the job directory on {host} (disk full or permissions?)."),
            "log-truncated" => new(FailureKind.RemoteError, $"the output of job '{job}' on {host} is shorter than what was already received: it was truncated or replaced. The local copy is kept as it is."),
            "bad-signal" => new(FailureKind.InvalidInput, $"{host} does not know that signal; nothing was sent to '{job}'. Try its number (`kill -l` on {host})."),
            "no-log" => new(FailureKind.RemoteError, $"the log of job '{job}' on {host} is missing."),
            "newer-layout" => new(FailureKind.RemoteError, $"job '{job}' on {host} was started by a newer sessionkeeper, whose job directory this one cannot read; upgrade sessionkeeper."),
            _ when code.StartsWith("tampered-", StringComparison.Ordinal) => new(
                FailureKind.RemoteError,
                $"'{Truncate(code["tampered-".Length..])}' in the job directory of '{job}' on {host} is not a regular file (a FIFO, device, directory or symlink): " +
                "the job directory was tampered with, and nothing was read from it. Inspect it by hand."),
            _ => new(FailureKind.RemoteError, $"{host} refused the request ({code})."),
        };
        return new SessionKeeperException(error.Kind, error.Message) { Host = host, JobId = jobId, RemoteCode = code };
    }

    private static string Truncate(string s) => s.Length <= 20 ? s : s[..20] + "...";
}
