using System.Diagnostics;
using System.Globalization;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The runner's adopt verb on a real process group of this machine (its own session, as a job
/// typed in another terminal): checks, the job directory, the protection of every member, and the
/// other verbs on it. Run by dash, bash and BusyBox ash; ptrace needs root or the same user.
/// </summary>
public sealed class AdoptScriptTests : IDisposable
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
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task Every_process_of_the_group_ignores_sighup_and_the_job_ends_with_its_status_unknown(string shell)
    {
        Skip.IfNot(Arch.IsX64, "adopt's ptrace tool is x86_64 only");
        var client = Client(shell);
        var leader = _groups.Start("sleep 300 | cat");
        var members = await MembersAsync(leader, 3);
        var id = JobId.New();

        var (reply, status) = await client.AdoptAsync(id, JobCookie.New(), leader);

        Assert.Equal(("protected", 3, 3), (reply.Protection, reply.Members, reply.Protected));
        Assert.Equal((JobState.Running, "protected", leader, leader), (status.State, status.Adopted, status.Pid, status.ProcessGroup));
        Assert.All(members, pid => Assert.True((SigIgn(pid) & 1) == 1, $"process {pid} does not ignore SIGHUP"));
        Assert.All(members, pid => Assert.NotEqual('T', State(pid)));
        Assert.Equal("2 adopted\n", File.ReadAllText(Path.Combine(_state.JobDir(id.Value), "proto")));
        Assert.False(File.Exists(Path.Combine(_state.JobDir(id.Value), "wrapper")));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_state.JobDir(id.Value), "members")).Length);

        var (killed, signalled) = await client.KillAsync(id, TimeSpan.FromSeconds(5));

        Assert.Equal("TERM", signalled);
        Assert.Equal((JobState.Ended, "exit-status-unknown-adopted", null), (killed.State, killed.EndedReason, killed.ExitCode));
        Assert.True(killed.Outcome is JobOutcome.Ended);
        Assert.Equal("ended, exit status unknown (adopted)", killed.Describe());
        Assert.False(File.Exists(Path.Combine(_state.JobDir(id.Value), "exit")));
        await client.RemoveAsync(id);
        Assert.False(Directory.Exists(_state.JobDir(id.Value)));
    }

    [SkippableTheory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task What_adopt_refuses_it_refuses_by_name_and_records_nothing(string shell)
    {
        Skip.IfNot(Arch.IsX64, "adopt's ptrace tool is x86_64 only");
        var client = Client(shell);
        var leader = _groups.Start("sleep 300");
        await client.AdoptAsync(JobId.New(), JobCookie.New(), leader);

        var codes = new List<string?>();
        foreach (var pid in new[] { 1, 99999999, Environment.ProcessId, leader })
        {
            var refused = await Assert.ThrowsAsync<SessionKeeperException>(() => client.AdoptAsync(JobId.New(), JobCookie.New(), pid));
            codes.Add(refused.RemoteCode);
        }

        Assert.Equal(["adopt-pid-one", "adopt-no-process", "adopt-own-helper", "adopt-already"], codes);
        Assert.Single(Directory.GetDirectories(Path.Combine(_state.Path, "sessionkeeper", "jobs")));
    }

    private static async Task<List<int>> MembersAsync(int group, int count)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var members = Directory.EnumerateDirectories("/proc").Select(Path.GetFileName)
                .Where(n => n!.All(char.IsAsciiDigit)).Select(n => int.Parse(n!, CultureInfo.InvariantCulture))
                .Where(p => Fields(p) is { Length: > 3 } f && f[3] == group.ToString(CultureInfo.InvariantCulture) && f[0] != "Z").ToList();
            if (members.Count >= count)
            {
                return members;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"group {group} has {members.Count} processes, not {count}");
            await Task.Delay(20);
        }
    }

    /// <summary>The fields of /proc/PID/stat after the command name (state first); empty when it is gone.</summary>
    private static string[] Fields(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static char State(int pid) => Fields(pid) is [var s, ..] ? s[0] : '?';

    private static ulong SigIgn(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))
            .Select(l => ulong.Parse(l[7..].Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)).Single();

    private static class Arch
    {
        public static bool IsX64 => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64;
    }
}
