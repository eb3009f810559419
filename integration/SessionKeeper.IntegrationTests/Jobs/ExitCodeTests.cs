namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>Exit codes and deaths by signal come back exactly, from `status --json` and from `wait`.</summary>
public abstract class ExitCodeTests(JobsHost host)
{
    /// <summary>Command, expected state, exit code (128+N for signal N) and signal.</summary>
    private static readonly (string Command, string State, int Code, int? Signal)[] Cases =
    [
        ("exit 0", "exited", 0, null),
        ("exit 1", "exited", 1, null),
        ("echo partial; exit 42", "exited", 42, null),
        ("sk-no-such-command-xyz", "exited", 127, null),
        // The job's shell is the job's process: it signals itself, nothing else is involved.
        ("echo before; kill -s TERM $$; echo never", "killed", 143, 15),
        ("echo before; kill -s KILL $$; echo never", "killed", 137, 9),
        // A plain exit 143 is not mistaken for SIGTERM: the signal is recorded separately.
        ("exit 143", "exited", 143, null),
    ];

    // A hang guard only: each case starts three CLI processes, all side by side.
    [Fact(Timeout = 240_000)]
    public async Task Exit_codes_and_signals_are_reported_exactly_by_status_and_wait()
    {
        // The cases are independent jobs: run them side by side to keep the suite fast.
        var outcomes = await Task.WhenAll(Cases.Select(async c =>
        {
            var id = await host.LaunchAsync(c.Command);
            var wait = await host.RunAsync("wait", [id]);
            var status = await host.StatusAsync(id);
            return (c, id, wait, status);
        }));

        foreach (var (c, id, wait, status) in outcomes)
        {
            Assert.Equal((c.Command, c.Code), (c.Command, wait.ExitCode));
            Assert.Equal((c.Command, c.State, c.Code, c.Signal), (c.Command, status.State, status.ExitCode, status.Signal));
            Assert.Equal(c.Command, status.Command);
            if (c.Signal is not null)
            {
                Assert.Equal("before\n", File.ReadAllText(Path.Combine(host.JobDir(id), "out")));
                Assert.Contains($"killed by signal {c.Signal}", wait.Stderr, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Every CLI call connects by itself.</summary>
    public sealed class Direct(JobsHost host) : ExitCodeTests(host), IClassFixture<JobsHost>;

    /// <summary>Every CLI call goes through a daemon's broker: the same assertions.</summary>
    public sealed class Brokered(BrokeredJobsHost host) : ExitCodeTests(host), IClassFixture<BrokeredJobsHost>;
}
