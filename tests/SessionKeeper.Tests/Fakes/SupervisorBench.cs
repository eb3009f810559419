using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;

namespace SessionKeeper.Tests.Fakes;

/// <summary>
/// A job supervisor with its journal in a throwaway directory, and a throwaway target directory
/// served by dash: what the supervision tests set up.
/// </summary>
internal sealed class SupervisorBench : IDisposable
{
    /// <summary>Reconnects almost at once: 1 ms first backoff, 20 ms at the most.</summary>
    public static readonly AttachOptions QuickRetries = new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
    };

    public TempDir Target { get; } = new();

    public TempDir Local { get; } = new();

    /// <summary>A new connection to the target.</summary>
    public LocalShellSession Connect() => Shells.Session("dash", Target.Path);

    /// <summary>A supervisor on a new journal whose every connection goes through <paramref name="connector"/>, and a job planned in it.</summary>
    public (JobSupervisor Supervisor, JournalJob Job) Plan(IRemoteConnector connector, string command, TimeProvider? time = null)
    {
        var journal = JobJournal.Open(Local.Path);
        var supervisor = new JobSupervisor(journal, _ => connector, Local.Path, timeProvider: time);
        var endpoint = new JobEndpoint("u", "local", 22, [], [], TimeSpan.FromSeconds(5));
        return (supervisor, supervisor.Planner.Plan(JobId.New(), endpoint, new JobSpec(command, Shell: "/bin/sh"), RestartPolicy.None));
    }

    /// <summary>The status of a job once it has ended on the target, read over a connection of its own.</summary>
    public Task<JobStatus> UntilEndedOnTargetAsync(string id) => new JobClient(Connect()).UntilFinishedAsync(id);

    public void Dispose()
    {
        Target.Dispose();
        Local.Dispose();
    }
}
