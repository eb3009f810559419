using System.CommandLine;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// "[HOST] JOB": with a host, the ssh options say how to reach it; with a job id (or a unique
/// prefix) alone, the journal does (<see cref="JobKeeper.Locate"/>).
/// </summary>
internal sealed record JobTarget(JobKeeper Keeper, SshTarget Target, JobId JobId, JournalJob? Known)
{
    public static Argument<string[]> Argument() => new("[host] job")
    {
        Description = "The job id (a unique prefix is enough once it is in the journal), optionally preceded by [user@]host.",
        Arity = new ArgumentArity(1, 2),
    };

    public static JobTarget Resolve(ParseResult result, Argument<string[]> argument, SshOptions ssh, ISupervisionObserver? observer = null)
    {
        var words = result.GetValue(argument) ?? [];
        var host = words.Length == 2 ? ssh.Resolve(result, words[0]) : null;
        var keeper = Keepers.Open(result, observer);
        var (target, id, known) = keeper.Locate(words[^1], host);
        return new JobTarget(keeper, (SshTarget)target, id, known);
    }
}
