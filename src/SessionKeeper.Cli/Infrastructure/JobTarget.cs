using System.CommandLine;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>
/// "[HOST] JOB": with a host, the ssh options say how to reach it; with a job id (or a unique
/// prefix) alone, the journal does.
/// </summary>
internal sealed record JobTarget(SshTarget Target, string JobId, JournalJob? Known, JobJournal? Journal)
{
    public static Argument<string[]> Argument() => new("[host] job")
    {
        Description = "The job id (a unique prefix is enough once it is in the journal), optionally preceded by [user@]host.",
        Arity = new ArgumentArity(1, 2),
    };

    public static JobTarget Resolve(ParseResult result, Argument<string[]> argument, SshOptions ssh)
    {
        var words = result.GetValue(argument) ?? [];
        var stateRoot = StatePaths.Root(result.GetValue(Commands.CommonArguments.StateDir));
        if (words.Length == 2)
        {
            var target = ssh.Resolve(result, words[0]);
            var id = Core.Jobs.JobId.Validate(words[1]);
            var journal = TryJournal(stateRoot);
            // Ids are random and never reused: the same id reached another way (an alias, a proxy
            // port) is the same job, and this time it is reached the way the command line says.
            var known = journal?.Get(id) is { } j ? j with { Endpoint = SshTransport.Describe(target) } : null;
            return new JobTarget(target, id, known, journal);
        }

        var opened = JobJournal.Open(stateRoot);
        var job = opened.Resolve(words[0]);
        return new JobTarget(SshTransport.ToTarget(job.Endpoint), job.Id, job, opened);
    }

    /// <summary>A broken journal must not stop a verb that names its host: it is simply not used.</summary>
    private static JobJournal? TryJournal(string stateRoot)
    {
        if (!File.Exists(Path.Combine(stateRoot, JobJournal.FileName)))
        {
            return null;
        }

        try
        {
            return JobJournal.Open(stateRoot);
        }
        catch (SessionKeeperException ex) when (ex.Kind == FailureKind.StateCorrupt)
        {
            Console.Error.WriteLine($"sessionkeeper: warning: {ex.Message}");
            return null;
        }
    }

    /// <summary>Records a status seen on the target, when the journal knows the job.</summary>
    public void Record(JobStatus status)
    {
        if (Known is not null)
        {
            Journal?.RecordStatus(JobId, status, DateTimeOffset.UtcNow, settled: false);
        }
    }
}
