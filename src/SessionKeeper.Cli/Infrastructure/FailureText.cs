using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// A failure as the CLI prints it: the library's message, which names no command, and where one
/// helps, the command that comes next.
/// </summary>
internal static class FailureText
{
    public static string Describe(SessionKeeperException failure) => Hint(failure) is { } hint
        ? $"{failure.Message.TrimEnd('.')}; {hint}"
        : failure.Message;

    private static string? Hint(SessionKeeperException failure) => failure switch
    {
        { RemoteCode: RemoteErrors.NoSuchJob, Host: { } host } => $"`sessionkeeper ps {host}` lists the jobs there.",
        { RemoteCode: RemoteErrors.JobRunning, Host: { } host, JobId: { } job } => $"`sessionkeeper kill {host} {job}` first.",
        { GaveUpAfter: not null } => "`--give-up-after` sets how long to keep trying.",
        { Kind: FailureKind.StateCorrupt } => "`--state-dir DIR` works with another state directory meanwhile.",
        { Kind: FailureKind.JobNotFound, RemoteCode: null, Host: null } => "give the host too (sessionkeeper CMD HOST JOB), or see `sessionkeeper jobs`.",
        _ => null,
    };
}
