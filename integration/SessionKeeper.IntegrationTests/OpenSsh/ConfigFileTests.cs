namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>
/// Config-driven runs: a -F file whose Host alias supplies HostName, Port, User and IdentityFile
/// carries a job end to end, `config HOST` prints what ssh -G prints, and a setting SessionKeeper
/// cannot honour stops it with one clear line.
/// </summary>
public sealed class ConfigFileTests(PlainSshdLab lab) : IClassFixture<PlainSshdLab>
{
    private string WriteConfig(string extra = "") => lab.WriteBoxConfig(extra);

    [Fact(Timeout = 60_000)]
    public async Task A_host_alias_from_a_config_file_runs_a_job_end_to_end()
    {
        var config = WriteConfig();

        var run = await lab.Lab.Cli.RunAsync(["run", "-F", config, "box", "--", "echo", "hello from", "box"]);
        var ssh = await OpenSshLab.SshAsync(config, [], "box", "echo hello from box");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(ssh.StdoutText, run.StdoutText);
        Assert.Equal("hello from box\n", run.StdoutText);

        var ps = await lab.Lab.Cli.RunAsync(["ps", "-F", config, "box"]);
        Assert.True(ps.ExitCode == 0, ps.ToString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Config_prints_what_ssh_G_prints()
    {
        var config = WriteConfig("  ServerAliveInterval 2\n  ServerAliveCountMax 3\n  HostKeyAlias box-key\n");

        var ours = await lab.Lab.Cli.RunAsync(["config", "-F", config, "-o", "ConnectTimeout=9", "box"]);
        var ssh = await OpenSshLab.RunAsync("ssh", ["-G", "-F", config, "-o", "ConnectTimeout=9", "box"]);

        Assert.True(ours.ExitCode == 0, ours.ToString());
        var printed = ours.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var settings = printed.Where(l => !l.StartsWith('#')).ToList();
        Assert.True(settings.Count >= 15, ours.StdoutText);
        var sshLines = ssh.StdoutText.Split('\n').ToHashSet(StringComparer.Ordinal);
        Assert.All(settings, line => Assert.Contains(line, sshLines));
        Assert.Contains("# dead connection after 6s without a heartbeat (serveraliveinterval x serveralivecountmax; --dead-after wins)", printed);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_unsupported_setting_stops_with_one_clear_line()
    {
        var config = WriteConfig("  ProxyCommand ssh -W %h:%p gateway\n");

        var result = await lab.Lab.Cli.RunAsync(["ps", "-F", config, "box"]);

        Assert.Equal(251, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"ProxyCommand ({config}:", line, StringComparison.Ordinal);
        Assert.Contains("ProxyJump", line, StringComparison.Ordinal);
        Assert.Empty(result.StdoutText);
    }
}
