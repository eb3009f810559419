using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// `run --detach --timeout 4s --grace 3s`: the wrapper on the target ends the job (TERM, then
/// KILL after --grace) with no supervisor connected; `wait` then reports it and the journal says
/// timed-out. How long the job ran is read from the job directory's own stamps (`created`, and
/// the end time in `exit`, both `date +%s`), not from this test's clock: the wrapper counts in
/// whole seconds, so a job may end up to one second early, and each stamp is floored, so the
/// measured run time is at least limit - 1 (TERM) or limit + grace - 2 (KILL).
/// </summary>
public sealed class TimeLimitTests(SupervisionHost host, ITestOutputHelper output) : IClassFixture<SupervisionHost>
{
    private const int Limit = 4;
    private const int Grace = 3;

    [Theory(Timeout = 60_000)]
    [InlineData("sleep 30", PosixSignals.SIGTERM)]
    [InlineData("trap '' TERM; sleep 30", PosixSignals.SIGKILL)]
    public async Task A_time_limit_ends_a_job_with_no_supervisor_connected(string command, int signal)
    {
        var workstation = host.NewWorkstation("limit");
        var id = SupervisionHost.NewJobId("limit");
        var run = await workstation.RunAsync(host.RunArguments(id, command, ["--detach", "--timeout", $"{Limit}s", "--grace", $"{Grace}s"]));
        Assert.True(run.ExitCode == 0, run.ToString());

        // Nothing of ours runs now: the exit record can only come from the wrapper on the target.
        var exitFile = Path.Combine(host.JobDir(id), "exit");
        await Poll.UntilAsync(() => File.Exists(exitFile), TimeSpan.FromSeconds(45), "the wrapper to end the job");
        var created = long.Parse(JobDirFiles.Read(host.JobDir(id), "created"), CultureInfo.InvariantCulture);
        var ended = long.Parse(File.ReadAllText(exitFile).Trim().Split(' ')[^1], CultureInfo.InvariantCulture);
        var ran = ended - created;
        var wait = await workstation.RunAsync(["wait", id]);
        var entry = await workstation.JobAsync(id);
        output.WriteLine($"ran {ran} s by the job directory's stamps: {File.ReadAllText(exitFile).Trim()}; wait exit {wait.ExitCode}: {wait.Stderr.Trim()}; journal {entry}");

        var atLeast = signal == PosixSignals.SIGKILL ? Limit + Grace - 2 : Limit - 1;
        Assert.True(ran >= atLeast, $"the job was ended after {ran} s, before the limit{(signal == PosixSignals.SIGKILL ? " and the grace" : "")} ({atLeast} s at least)");
        Assert.Equal(128 + signal, wait.ExitCode);
        Assert.Contains("timed out", wait.Stderr, StringComparison.Ordinal);
        Assert.Equal(("timed-out", signal), (entry.State, entry.Signal));
    }
}
