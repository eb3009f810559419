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

    /// <summary>Why the target refused to adopt process <paramref name="pid"/>; <see cref="SessionKeeperException.RemoteCode"/> is the runner's code.</summary>
    public static SessionKeeperException AdoptRefused(ReplyLine error, int pid, string host, JobId id)
    {
        var code = error["code"] ?? "adopt-refused";
        var (kind, message) = code switch
        {
            "adopt-pid-one" => (FailureKind.InvalidInput, $"process {pid} is not adoptable: process 1 is the init of {host} (or of its container), and 0 names no process."),
            "adopt-no-process" => (FailureKind.InvalidInput, $"no process {pid} on {host}: it has ended, or never existed."),
            "adopt-other-user" => (FailureKind.InvalidInput, $"process {pid} on {host} belongs to another user (uid {error.SmallNumber("uid")?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}): only your own processes can be adopted. Log in as that user to adopt it."),
            "adopt-own-helper" => (FailureKind.InvalidInput, $"process {pid} on {host} is part of SessionKeeper's own call or of a job's wrapper: it is not adopted."),
            "adopt-own-job" => (FailureKind.InvalidInput, $"process {pid} on {host} belongs to a job SessionKeeper started: it survives the connection already."),
            "adopt-already" => (FailureKind.InvalidInput, $"process {pid} on {host} is adopted already, as job {(JobId.IsValid(error["id"]) ? error["id"] : "?")}."),
            "adopt-exited" => (FailureKind.JobNotFound, $"process {pid} on {host} ended while it was being adopted; nothing is tracked."),
            _ => (FailureKind.RemoteError, $"{host} refused to adopt process {pid} ({Truncate(code)})."),
        };
        return new SessionKeeperException(kind, message) { Host = host, JobId = id, RemoteCode = code };
    }

    private static string Truncate(string s) => s.Length <= 20 ? s : s[..20] + "...";
}
