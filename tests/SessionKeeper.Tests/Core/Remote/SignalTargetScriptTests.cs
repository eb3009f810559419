using System.Diagnostics;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// Every signal of the runner goes to the job's live process group only, checked against /proc,
/// never to whatever the pgid file names. Run by dash, bash and BusyBox ash.
/// </summary>
public sealed class SignalTargetScriptTests : IDisposable
{
    private readonly TempDir _state = new();

    public void Dispose() => _state.Dispose();

    private JobClient Client(string shell) => new(Shells.Session(shell, _state.Path));

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task A_pgid_file_naming_another_group_is_refused_and_nothing_is_signalled(string shell)
    {
        var client = Client(shell);
        var id = JobId.New();
        var started = await client.LaunchAsync(id, JobCookie.New(), new JobSpec("exec sleep 300", Shell: "/bin/sh"));
        var pid = started.Pid!.Value;
        using var bystander = StartGroupLeader();
        File.WriteAllText(Path.Combine(_state.JobDir(id.Value), "pgid"), bystander.Id + "\n");

        var refused = await Assert.ThrowsAsync<SessionKeeperException>(() => client.KillAsync(id, TimeSpan.FromSeconds(1)));

        Assert.Equal(FailureKind.SignalRefused, refused.Kind);
        Assert.Contains("nothing was sent", refused.Message, StringComparison.Ordinal);
        Assert.Contains("The job is running", refused.Message, StringComparison.Ordinal);
        Assert.False(bystander.HasExited);
        Assert.Equal('S', State(bystander.Id));
        Assert.Equal(JobState.Running, (await client.StatusAsync(id)).State);

        File.WriteAllText(Path.Combine(_state.JobDir(id.Value), "pgid"), pid + "\n");
        var (killed, signalled) = await client.KillAsync(id, TimeSpan.FromSeconds(5));
        Assert.Equal("TERM", signalled);
        Assert.Equal(JobState.Killed, killed.State);
        bystander.Kill();
    }

    /// <summary>
    /// Issue 17: pid, pgid and starttime all rewritten to another session leader of the user (its
    /// real start time copied) passed every check of the files, and `kill` signalled it. The target
    /// is now proven from /proc (the job is its wrapper's grandchild): refused, nothing sent.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task Identity_files_all_naming_another_session_leader_are_refused_and_it_gets_no_signal(string shell)
    {
        var client = Client(shell);
        var id = JobId.New();
        var started = await client.LaunchAsync(id, JobCookie.New(), new JobSpec("exec sleep 300", Shell: "/bin/sh"));
        using var bystander = StartGroupLeader();
        var bystanderStart = Fields(bystander.Id)[19];
        Assert.Equal(bystander.Id.ToString(), Fields(bystander.Id)[3]);
        foreach (var name in new[] { "pid", "pgid" })
        {
            File.WriteAllText(Path.Combine(_state.JobDir(id.Value), name), bystander.Id + "\n");
        }

        File.WriteAllText(Path.Combine(_state.JobDir(id.Value), "starttime"), bystanderStart + "\n");

        var refused = await Assert.ThrowsAsync<SessionKeeperException>(() => client.KillAsync(id, TimeSpan.FromSeconds(1)));
        var refusedInt = await Assert.ThrowsAsync<SessionKeeperException>(() => client.SignalAsync(id, "INT"));

        Assert.Equal((FailureKind.SignalRefused, FailureKind.SignalRefused), (refused.Kind, refusedInt.Kind));
        Assert.Contains("nothing was sent", refused.Message, StringComparison.Ordinal);
        Assert.False(bystander.HasExited);
        Assert.Equal(('S', bystanderStart), (State(bystander.Id), Fields(bystander.Id)[19]));
        Assert.Equal('S', State(started.Pid!.Value));
        Process.GetProcessById(started.Pid!.Value).Kill();
        bystander.Kill();
    }

    /// <summary>
    /// A forged starttime or boot_id file changes nothing while the job is proven its wrapper's
    /// grandchild: the job is reported running and `kill` stops it.
    /// </summary>
    [Theory(Timeout = 120000)]
    [InlineData("dash", "starttime")]
    [InlineData("bash", "boot_id")]
    [InlineData("ash", "starttime")]
    [InlineData("ash", "boot_id")]
    public async Task A_forged_starttime_or_boot_id_does_not_keep_kill_from_a_job_proven_its_own(string shell, string file)
    {
        var client = Client(shell);
        var id = JobId.New();
        await client.LaunchAsync(id, JobCookie.New(), new JobSpec("exec sleep 300", Shell: "/bin/sh"));
        File.WriteAllText(Path.Combine(_state.JobDir(id.Value), file), file == "boot_id" ? "00000000-0000-0000-0000-000000000000\n" : "12345\n");

        Assert.Equal(JobState.Running, (await client.StatusAsync(id)).State);
        var (killed, signalled) = await client.KillAsync(id, TimeSpan.FromSeconds(5));

        Assert.Equal(("TERM", JobState.Killed), (signalled, killed.State));
    }

    /// <summary>
    /// Once the wrapper is gone, lineage proves nothing: the job is then known by the cookie in its
    /// own environment. Files forged to name a bystander without it send nothing (nothing of the job
    /// is there); put right, they let the kill reach the job.
    /// </summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task With_the_wrapper_gone_only_a_process_carrying_the_cookie_is_signalled(string shell)
    {
        var client = Client(shell);
        var id = JobId.New();
        var started = await client.LaunchAsync(id, JobCookie.New(), new JobSpec("exec sleep 300", Shell: "/bin/sh"));
        var dir = _state.JobDir(id.Value);
        var wrapper = int.Parse(File.ReadAllText(Path.Combine(dir, "wrapper")).Split(' ')[0]);
        // The wrapper's whole group (it leads its session): the wrapper and its keeper, which
        // would otherwise sleep on forever once its wrapper is gone. The job has a session of its own.
        Assert.Equal(0, Tmds.Linux.LibC.kill(-wrapper, Tmds.Linux.LibC.SIGKILL));
        while (File.Exists($"/proc/{wrapper}/stat") && State(wrapper) != 'Z')
        {
            await Task.Delay(10);
        }

        using var bystander = StartGroupLeader();
        var identity = new[] { "pid", "pgid", "starttime" }.ToDictionary(f => f, f => File.ReadAllText(Path.Combine(dir, f)));
        File.WriteAllText(Path.Combine(dir, "pid"), bystander.Id + "\n");
        File.WriteAllText(Path.Combine(dir, "pgid"), bystander.Id + "\n");
        File.WriteAllText(Path.Combine(dir, "starttime"), Fields(bystander.Id)[19] + "\n");

        var (_, none) = await client.KillAsync(id, TimeSpan.FromSeconds(1));

        Assert.Equal("none", none);
        Assert.Equal('S', State(bystander.Id));
        Assert.Equal('S', State(started.Pid!.Value));
        foreach (var (name, text) in identity)
        {
            File.WriteAllText(Path.Combine(dir, name), text);
        }

        var (_, signalled) = await client.KillAsync(id, TimeSpan.FromSeconds(5));
        Assert.Equal("TERM", signalled);
        Assert.False(File.Exists($"/proc/{started.Pid!.Value}/stat") && State(started.Pid!.Value) != 'Z');
        Assert.Equal('S', State(bystander.Id));
        bystander.Kill();
    }

    /// <summary>`setsid sleep`: a process of the same user leading a process group of its own.</summary>
    private static Process StartGroupLeader()
    {
        var process = Process.Start("setsid", "sleep 300");
        while (Pgrp(process.Id) != process.Id)
        {
            Thread.Sleep(10);
        }

        return process;
    }

    private static int Pgrp(int pid) => int.Parse(Fields(pid)[2]);

    private static char State(int pid) => Fields(pid)[0][0];

    private static string[] Fields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }
}
