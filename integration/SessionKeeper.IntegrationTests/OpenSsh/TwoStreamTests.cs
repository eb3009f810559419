using SessionKeeper.IntegrationTests.Jobs;

namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>
/// The job's stdout and stderr reach the user as they do under `ssh HOST CMD`: stdout on our
/// stdout, stderr on our stderr, for run and attach; `logs` prints both on stdout or, with
/// --stdout / --stderr, one of them; the target keeps them in two plain files. With stderr not a
/// terminal (as here), nothing of our own is added to it unless -v asks.
/// </summary>
public sealed class TwoStreamTests(PlainSshdLab lab) : IClassFixture<PlainSshdLab>
{
    private const string Command = "echo out; echo err >&2; echo out2; exit 3";

    private string WriteConfig() => lab.WriteBoxConfig();

    private string JobDir(string id) => Path.Combine(lab.Sshd.RemoteStateDir, "sessionkeeper", "jobs", id);

    [Fact(Timeout = 60_000)]
    public async Task Run_puts_the_job_stdout_on_stdout_and_its_stderr_on_stderr_as_ssh_does()
    {
        var config = WriteConfig();
        var id = $"two-{Guid.NewGuid():N}"[..16];

        var run = await lab.Lab.Cli.RunAsync(["run", "-F", config, "--id", id, "--shell", "/bin/sh", "box", "--", Command]);
        var ssh = await OpenSshLab.SshAsync(config, [], "box", Command);

        Assert.Equal((3, 3), (ssh.ExitCode, run.ExitCode));
        Assert.Equal("out\nout2\n", ssh.StdoutText);
        Assert.Equal(ssh.StdoutText, run.StdoutText);
        Assert.Contains("err\n", ssh.Stderr, StringComparison.Ordinal);

        // A pipe on stderr: exactly the job's stderr, none of our status lines.
        Assert.Equal("err\n", run.Stderr);

        // Two plain files on the target, as a person would `cat` them there.
        Assert.Equal("out\nout2\n", File.ReadAllText(Path.Combine(JobDir(id), "out")));
        Assert.Equal("err\n", File.ReadAllText(Path.Combine(JobDir(id), "err")));
        Assert.False(File.Exists(Path.Combine(JobDir(id), "log")));
        // The layout, and the wrapper's tier: keeper.pl where perl exists (layout 3, the settings in
        // proto), wrapper.sh with SK_TIER=posix (layout 2).
        var proto = File.ReadAllText(Path.Combine(JobDir(id), "proto"));
        if (Environment.GetEnvironmentVariable("SESSIONKEEPER_TEST_TIER") is "posix")
        {
            Assert.Equal("2 sh\n", proto);
        }
        else
        {
            Assert.StartsWith("3 perl ", proto, StringComparison.Ordinal);
        }

        // attach replays the finished job the same way.
        var attach = await lab.Lab.Cli.RunAsync(["attach", "-F", config, "box", id]);
        Assert.True(attach.ExitCode == 3, attach.ToString());
        Assert.Equal("out\nout2\n", attach.StdoutText);
        Assert.Equal("err\n", attach.Stderr);
    }

    [Fact(Timeout = 60_000)]
    public async Task Verbose_adds_status_lines_and_connection_details_and_quiet_or_a_pipe_adds_nothing()
    {
        var config = WriteConfig();

        var verbose = await lab.Lab.Cli.RunAsync(["run", "-v", "-F", config, "--shell", "/bin/sh", "box", "--", Command]);
        var quiet = await lab.Lab.Cli.RunAsync(["run", "-q", "-F", config, "--shell", "/bin/sh", "box", "--", Command]);
        var both = await lab.Lab.Cli.RunAsync(["run", "-q", "-v", "-F", config, "box", "--", "true"]);

        Assert.Equal((3, 3), (verbose.ExitCode, quiet.ExitCode));
        Assert.Equal(("out\nout2\n", "out\nout2\n"), (verbose.StdoutText, quiet.StdoutText));
        Assert.Equal("err\n", quiet.Stderr);
        var lines = verbose.Stderr.Split('\n');
        Assert.Equal(1, lines.Count(l => l == "err"));
        Assert.Contains(lines, l => l.StartsWith("sessionkeeper: job ", StringComparison.Ordinal) && l.Contains(" started on ", StringComparison.Ordinal));
        var fingerprints = (await OpenSshLab.RunAsync("ssh-keygen", ["-lf", lab.Sshd.KnownHostsPath])).StdoutText
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[1]).ToList();
        Assert.Contains(lines, l => l.StartsWith("sessionkeeper: debug: connected to ", StringComparison.Ordinal) && fingerprints.Any(f => l.Contains(f, StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("sessionkeeper: debug: connecting to ", StringComparison.Ordinal) && l.Contains(lab.Sshd.UserKeyPath, StringComparison.Ordinal));
        Assert.Equal(251, both.ExitCode);
        Assert.Contains("-q (quiet) and -v (verbose)", CliAssert.SingleErrorLine(both), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Logs_prints_both_streams_on_stdout_or_the_one_asked_for()
    {
        var config = WriteConfig();
        var id = $"two-{Guid.NewGuid():N}"[..16];
        var started = await lab.Lab.Cli.RunAsync(["run", "-F", config, "--detach", "--id", id, "--shell", "/bin/sh", "box", "--", Command]);
        Assert.True(started.ExitCode == 0, started.ToString());
        var waited = await lab.Lab.Cli.RunAsync(["wait", "-F", config, "box", id]);
        Assert.True(waited.ExitCode == 3, waited.ToString());

        var both = await lab.Lab.Cli.RunAsync(["logs", "-F", config, "box", id]);
        var stdout = await lab.Lab.Cli.RunAsync(["logs", "-F", config, "box", id, "--stdout"]);
        var stderr = await lab.Lab.Cli.RunAsync(["logs", "-F", config, "box", id, "--stderr"]);
        var tail = await lab.Lab.Cli.RunAsync(["logs", "-F", config, "box", id, "--stdout", "--tail", "1"]);
        var conflicting = await lab.Lab.Cli.RunAsync(["logs", "-F", config, "box", id, "--stdout", "--stderr"]);

        Assert.True(both.ExitCode == 0, both.ToString());
        // Written while nothing observed the job: stdout first, then stderr (the README's promise).
        Assert.Equal("out\nout2\nerr\n", both.StdoutText);
        Assert.Equal("out\nout2\n", stdout.StdoutText);
        Assert.Equal("err\n", stderr.StdoutText);
        Assert.Equal("out2\n", tail.StdoutText);
        Assert.Equal(251, conflicting.ExitCode);
        Assert.Contains("--stdout and --stderr", CliAssert.SingleErrorLine(conflicting), StringComparison.Ordinal);
    }
}
