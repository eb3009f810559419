using System.Diagnostics;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// `kill` reports what its stop did, not what a moment caught: a SIGKILLed process ends only once
/// it runs again, which on a loaded machine is not at once, and the runner's report made right after
/// the signal once called an adopted shell still running (exit 245 from a kill that worked; a
/// wrapped job had 5 s for its exit record). Here a tracer (<see cref="DeathHold"/>) holds the
/// killed process at its exit until kill has answered or the hold's time is up: kill waits for the
/// end and reports it. Each job ignores TERM, as an interactive shell does, so the SIGKILL after
/// the grace is what ends it. Run by dash, bash and BusyBox ash.
/// </summary>
public sealed class StopWaitScriptTests : IDisposable
{
    private readonly TempDir _state = new();
    private readonly SessionGroups _groups = new();

    public void Dispose()
    {
        _groups.Dispose();
        _state.Dispose();
    }

    private JobClient Client(string shell) => new(Shells.Session(shell, _state.Path));

    [SkippableTheory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task Kill_waits_for_the_job_that_takes_its_time_to_end_after_sigkill_and_reports_its_end(string shell)
    {
        Skip.IfNot(DeathHold.IsSupported, "the tracer's syscall numbers are x86_64 Linux's");
        var client = Client(shell);
        var id = JobId.New();
        var started = await client.LaunchAsync(id, JobCookie.New(), new JobSpec("trap '' TERM; exec sleep 300", Shell: "/bin/sh"));
        await UntilSleepingAsync(started.Pid!.Value);

        // Longer than the 5 s the runner used to give the wrapper to record the job's end.
        var (killed, signalled) = await KillHeldAsync(client, id, started.Pid!.Value, TimeSpan.FromSeconds(8));

        Assert.Equal("KILL", signalled);
        Assert.Equal((JobState.Killed, 9), (killed.State, killed.Signal));
    }

    [SkippableTheory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task Kill_waits_for_the_adopted_process_that_takes_its_time_to_end_after_sigkill_and_reports_it_ended(string shell)
    {
        Skip.IfNot(DeathHold.IsSupported, "adopt's ptrace tool and the tracer are x86_64 Linux's");
        var client = Client(shell);
        var leader = _groups.Start("trap '' TERM; exec sleep 300");
        await UntilSleepingAsync(leader);
        var id = JobId.New();
        await client.AdoptAsync(id, JobCookie.New(), leader);

        var (killed, signalled) = await KillHeldAsync(client, id, leader, TimeSpan.FromSeconds(3));

        Assert.Equal("KILL", signalled);
        Assert.Equal((JobState.Ended, "exit-status-unknown-adopted"), (killed.State, killed.EndedReason));
    }

    /// <summary>
    /// kill with a 1 s grace while the tracer holds <paramref name="pid"/> at its exit, from the
    /// SIGKILL until kill answers or <paramref name="hold"/> has passed, whichever is first.
    /// </summary>
    private static async Task<(JobStatus Status, string Signalled)> KillHeldAsync(JobClient client, JobId id, int pid, TimeSpan hold)
    {
        using var deathHold = await DeathHold.SeizeAsync(pid);
        var kill = client.KillAsync(id, TimeSpan.FromSeconds(1));
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await deathHold.ExitingAsync(patience.Token);
        Assert.Equal('t', State(pid));
        await Task.WhenAny(kill, Task.Delay(hold));
        deathHold.Release();
        return await kill;
    }

    /// <summary>Past its trap: the job's shell has become the sleep, which ignores TERM.</summary>
    private static Task UntilSleepingAsync(int pid) =>
        Poll.UntilAsync(() => Comm(pid) == "sleep", $"process {pid} to exec sleep");

    private static string Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static char State(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[text.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return '?';
        }
    }
}
