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

    [Theory(Timeout = 30000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_pgid_file_naming_another_group_is_refused_and_nothing_is_signalled(string shell)
    {
        var client = Client(shell);
        var id = JobId.New();
        var started = await client.LaunchAsync(id, JobId.NewCookie(), new JobSpec("exec sleep 300", Shell: "/bin/sh"));
        var pid = started.Pid!.Value;
        using var bystander = StartGroupLeader();
        File.WriteAllText(Path.Combine(_state.JobDir(id), "pgid"), bystander.Id + "\n");

        var refused = await Assert.ThrowsAsync<SessionKeeperException>(() => client.KillAsync(id, TimeSpan.FromSeconds(1)));

        Assert.Equal(FailureKind.SignalRefused, refused.Kind);
        Assert.Contains("nothing was sent", refused.Message, StringComparison.Ordinal);
        Assert.Contains("The job is running", refused.Message, StringComparison.Ordinal);
        Assert.False(bystander.HasExited);
        Assert.Equal('S', State(bystander.Id));
        Assert.Equal(JobState.Running, (await client.StatusAsync(id)).State);

        File.WriteAllText(Path.Combine(_state.JobDir(id), "pgid"), pid + "\n");
        var (killed, signalled) = await client.KillAsync(id, TimeSpan.FromSeconds(5));
        Assert.Equal("TERM", signalled);
        Assert.Equal(JobState.Killed, killed.State);
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
