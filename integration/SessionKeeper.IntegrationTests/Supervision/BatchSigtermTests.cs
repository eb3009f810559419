using System.Text.RegularExpressions;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Supervision;

/// <summary>
/// SIGTERM to a fleet run after its batch is journaled, with one host running and the others not
/// sent anything yet (-j 1): the CLI exits 130, the running host keeps running, every other host
/// reads as not launched (jobs, batch status); `resume` follows the running one and launches
/// none of the others (a counter file on the target proves it); `batch resume` launches each of
/// them, once.
/// </summary>
public sealed partial class BatchSigtermTests(SupervisionHost host, ITestOutputHelper output) : IClassFixture<SupervisionHost>
{
    private const int Hosts = 5;
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 300_000)]
    public async Task Hosts_not_sent_anything_before_sigterm_are_not_launched_and_only_batch_resume_launches_them()
    {
        var workstation = host.NewWorkstation("sigterm-batch");
        var name = SupervisionHost.NewJobId("st");
        var counter = host.TempFile(name + ".count");
        var gate = host.TempFile(name + ".go");
        var config = host.TempFile(name + ".config");
        await File.WriteAllTextAsync(config, $"Host h*\n  HostName {host.Sshd.Host}\n  Port {host.Sshd.Port}\n  User {host.Sshd.UserName}\n");
        var command = $"echo \"$SESSIONKEEPER_JOB_ID\" >> '{counter}'; while [ ! -e '{gate}' ]; do sleep 0.1; done";
        string[] connection = ["-F", config, "-i", host.Sshd.UserKeyPath, "--known-hosts", host.Sshd.KnownHostsPath, "--connect-timeout", "15s"];

        await using var run = workstation.Start(["run", .. connection, "--shell", "/bin/sh", "-j", "1", .. SupervisionHost.Fast, "-H", $"h[1-{Hosts}]", "--", command]);
        await Poll.UntilAsync(() => File.Exists(counter) || run.HasExited, Step, () => $"the first host's job to start\n{run.StderrText}");
        Assert.False(run.HasExited, run.StderrText);
        await workstation.WaitForJournalAsync(j => j.Any(e => e.Phase == "launched"), Step, "the first host launched");
        Assert.True(run.Signal(PosixSignals.SIGTERM), "the run ended before its SIGTERM");
        var exit = await run.WaitForExitAsync().WaitAsync(Step);
        output.WriteLine($"run: exit {exit}\n{run.StderrText}");
        Assert.Equal(130, exit);
        var batch = BatchLine().Match(run.StderrText).Groups[1].Value;
        Assert.NotEqual("", batch);

        var jobs = await workstation.JobsAsync();
        Assert.Equal(Hosts, jobs.Count);
        var first = Assert.Single(jobs, j => j.Phase == "launched");
        Assert.Equal(first.Id, (await File.ReadAllTextAsync(counter)).Trim());
        Assert.All(jobs.Where(j => j != first), j => Assert.Equal(("not-launched", "not-launched"), (j.Phase, j.State)));
        var status = await workstation.RunAsync(["batch", "status", batch], timeout: Step);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal(Hosts - 1, status.StdoutText.Split('\n').Count(l => l.Contains(" not-launched ", StringComparison.Ordinal)));

        // The running host ends; resume follows it and launches nothing else.
        await File.WriteAllTextAsync(gate, "");
        var resume = await workstation.RunAsync(["resume", .. SupervisionHost.Fast], timeout: Step);
        output.WriteLine($"resume: {resume}");
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Equal([first.Id], await File.ReadAllLinesAsync(counter));
        Assert.Equal("finished", (await workstation.JobAsync(first.Id)).Phase);
        Assert.All((await workstation.JobsAsync()).Where(j => j.Id != first.Id), j => Assert.Equal("not-launched", j.Phase));

        // Asked for by name, the batch launches each of them, once.
        var carryOn = await workstation.RunAsync(["batch", "resume", batch, .. SupervisionHost.Fast], timeout: Step);
        output.WriteLine($"batch resume: {carryOn}");
        Assert.True(carryOn.ExitCode == 0, carryOn.ToString());
        var runs = await File.ReadAllLinesAsync(counter);
        Assert.Equal(jobs.Select(j => j.Id).Order(StringComparer.Ordinal), runs.Order(StringComparer.Ordinal));
        Assert.All(await workstation.JobsAsync(), j => Assert.Equal(("finished", 0), (j.Phase, j.ExitCode)));
    }

    [GeneratedRegex(@"batch (\S+): \d+ host\(s\)\.")]
    private static partial Regex BatchLine();
}
