using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Supervision;

/// <summary>
/// Two supervisors of one job (the CLI and the daemon): the one without the mirror's lease leaves
/// the job to the lease holder, and takes the lease over when the holder goes away, so the mirror
/// is completed and the job settled by whoever is left.
/// </summary>
public sealed class JobSupervisorTests : IDisposable
{
    private static readonly AttachOptions Fast = SupervisorBench.QuickRetries with
    {
        Heartbeat = TimeSpan.FromMilliseconds(100),
        DeadAfter = TimeSpan.FromSeconds(3),
    };

    private readonly SupervisorBench _bench = new();

    public void Dispose() => _bench.Dispose();

    [Fact(Timeout = 30000)]
    public async Task A_follower_takes_the_mirror_over_when_its_writer_goes_away()
    {
        // A fake clock: the follower looks at the lease once per heartbeat, i.e. once per Advance.
        var time = new CountingFakeTime();
        var (supervisor, job) = await LaunchAsync("i=0; while [ $i -lt 500 ]; do echo \"seq $i\"; i=$((i+1)); done; exit 4", time);
        var writer = LogMirror.Open(job.MirrorPath!);
        Assert.True(writer.IsWriter);
        await UntilEndedOnTargetAsync(job.Id.Value);

        var before = time.Timers;
        var follow = Task.Run(() => supervisor.FollowAsync(job, null, null, Fast));
        for (var look = 1; look <= 20; look++)
        {
            // Parked on its heartbeat delay: it has looked at the lease `look` times and found it held.
            await Poll.UntilAsync(() => time.Timers == before + look || follow.IsCompleted, $"the follower's look {look} at the lease");
            Assert.False(follow.IsCompleted, $"the follower ended while the writer held the lease: {follow.Status}");
            Assert.Equal(JournalPhase.Launched, supervisor.Journal.Get(job.Id)!.Phase);
            time.Advance(Fast.Heartbeat);
        }

        writer.Dispose();
        time.Advance(Fast.Heartbeat);
        var status = await follow;

        var remote = await File.ReadAllBytesAsync(Path.Combine(_bench.Target.JobDir(job.Id.Value), "out"));
        Assert.Equal((JobState.Exited, 4), (status.State, status.ExitCode));
        Assert.Equal(remote, await File.ReadAllBytesAsync(LogMirror.FileOf(job.MirrorPath!, OutputKind.Stdout)));
        var settled = supervisor.Journal.Get(job.Id)!;
        Assert.Equal((JournalPhase.Finished, 4, (long)remote.Length), (settled.Phase, settled.LastStatus!.ExitCode, settled.CommittedLength));
    }

    [Fact(Timeout = 30000)]
    public async Task A_follower_leaves_the_job_to_a_writer_that_settles_it()
    {
        var (supervisor, job) = await LaunchAsync("echo once; exit 6");
        using var writer = LogMirror.Open(job.MirrorPath!);

        var follow = supervisor.FollowAsync(job, null, null, Fast);
        var ended = await UntilEndedOnTargetAsync(job.Id.Value);
        supervisor.Journal.RecordStatus(job.Id, ended, DateTimeOffset.UtcNow, committedLength: 5);
        var status = await follow;

        Assert.Equal((JobState.Exited, 6), (status.State, status.ExitCode));
        Assert.Equal(default, LogMirror.OffsetsOf(job.MirrorPath));
    }

    [Fact(Timeout = 30000)]
    public async Task A_job_to_be_checked_is_checked_at_the_first_contact_not_at_its_end()
    {
        var gate = Path.Combine(_bench.Target.Path, "gate");
        var (supervisor, launched) = await LaunchAsync($"echo started; while [ ! -e '{gate}' ]; do sleep 0.05; done; exit 7");
        Assert.Equal(1, supervisor.Journal.MarkUnfinishedToBeChecked());
        var job = supervisor.Journal.Get(launched.Id)!;
        Assert.Equal("to-be-checked", job.StateText);

        var follow = supervisor.FollowAsync(job, null, null, Fast);
        await Poll.UntilAsync(() => supervisor.Journal.Get(job.Id)!.StateText != "to-be-checked" || follow.IsCompleted, "the first contact");
        Assert.False(follow.IsCompleted);

        Assert.Equal(("running", JournalPhase.Launched), (supervisor.Journal.Get(job.Id)!.StateText, supervisor.Journal.Get(job.Id)!.Phase));
        await File.WriteAllTextAsync(gate, "");
        Assert.Equal(7, (await follow).ExitCode);
        Assert.Equal("exited", supervisor.Journal.Get(job.Id)!.StateText);
    }

    private async Task<(JobSupervisor Supervisor, JournalJob Job)> LaunchAsync(string command, TimeProvider? time = null)
    {
        var (supervisor, planned) = _bench.Plan(new LocalConnector(_bench.Connect), command, time);
        var (session, _) = await supervisor.LaunchAsync(planned);
        await session.DisposeAsync();
        return (supervisor, supervisor.Journal.Get(planned.Id)!);
    }

    private Task<JobStatus> UntilEndedOnTargetAsync(string id) => _bench.UntilEndedOnTargetAsync(id);

    private sealed class LocalConnector(Func<LocalShellSession> connect) : IRemoteConnector
    {
        public string HostLabel => "local";

        public Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default) => Task.FromResult<IRemoteSession>(connect());
    }
}
