using System.Diagnostics;
using System.Text;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>
/// Prompts on a real terminal: the CLI runs under script(1), which gives it a pseudo-terminal as
/// controlling terminal, and the test types the answers once the question is on screen.
/// StrictHostKeyChecking ask (the default on a terminal) shows the fingerprint and records the
/// key on "yes"; a passphrase is read with echo off.
/// </summary>
public sealed class TerminalPromptTests(PlainSshdLab lab) : IClassFixture<PlainSshdLab>
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 60_000)]
    public async Task Ask_shows_the_fingerprint_and_yes_records_the_key()
    {
        var knownHosts = lab.Lab.PathOf($"kh-{Guid.NewGuid():N}");
        await using var cli = OnTerminal(Ps(knownHosts, lab.Sshd.UserKeyPath));

        await cli.WaitForStdoutAsync("Are you sure you want to continue connecting (yes/no/[fingerprint])? ", Step);
        Assert.Contains($"ED25519 key fingerprint is SHA256:{lab.Sshd.HostKeys[0].Sha256Fingerprint}.", cli.StdoutText, StringComparison.Ordinal);
        await cli.WriteStdinAsync("yes\n"u8.ToArray());
        var result = await cli.WaitForResultAsync(Step);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(0, (await lab.SshAsync(knownHosts)).ExitCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task Ask_refuses_on_no_and_records_nothing()
    {
        var knownHosts = lab.Lab.PathOf($"kh-{Guid.NewGuid():N}");
        await using var cli = OnTerminal(Ps(knownHosts, lab.Sshd.UserKeyPath));

        await cli.WaitForStdoutAsync("(yes/no/[fingerprint])? ", Step);
        await cli.WriteStdinAsync("no\n"u8.ToArray());
        var result = await cli.WaitForResultAsync(Step);

        Assert.Equal(254, result.ExitCode);
        Assert.Contains("host key verification failed", result.StdoutText, StringComparison.Ordinal);
        Assert.False(File.Exists(knownHosts));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_passphrase_is_read_from_the_terminal_without_echo()
    {
        const string Passphrase = "typed at the terminal 7";
        var key = await lab.Lab.KeyAsync("tty-" + Guid.NewGuid().ToString("N")[..8], "ed25519", passphrase: Passphrase);
        File.AppendAllText(lab.Sshd.AuthorizedKeysPath, File.ReadAllText(key + ".pub"));
        await using var cli = OnTerminal(Ps(lab.Sshd.KnownHostsPath, key));

        await cli.WaitForStdoutAsync($"Enter passphrase for key '{key}': ", Step);
        await cli.WriteStdinAsync(Encoding.UTF8.GetBytes(Passphrase + "\n"));
        var result = await cli.WaitForResultAsync(Step);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain(Passphrase, result.StdoutText, StringComparison.Ordinal);
    }

    /// <summary>
    /// Type-ahead: the passphrase is on the terminal before the prompt is. Turning echo off with
    /// TCSAFLUSH discarded it and the CLI waited for a line that never came; echo is now turned
    /// off without flushing, so the early answer is read like ssh reads it.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_passphrase_typed_before_the_prompt_appears_is_not_lost()
    {
        const string Passphrase = "typed ahead 9";
        var key = await lab.Lab.KeyAsync("tta-" + Guid.NewGuid().ToString("N")[..8], "ed25519", passphrase: Passphrase);
        File.AppendAllText(lab.Sshd.AuthorizedKeysPath, File.ReadAllText(key + ".pub"));
        await using var cli = OnTerminal(Ps(lab.Sshd.KnownHostsPath, key));

        await cli.WriteStdinAsync(Encoding.UTF8.GetBytes(Passphrase + "\n"));
        var result = await cli.WaitForResultAsync(Step);

        Assert.True(result.ExitCode == 0, "the passphrase typed ahead was lost (a flush when echo went off?): " + result);
        Assert.Contains($"Enter passphrase for key '{key}': ", result.StdoutText, StringComparison.Ordinal);
    }

    private string[] Ps(string knownHosts, string identity) =>
        ["ps", "-F", "none", "-p", lab.Port, "-i", identity, "--known-hosts", knownHosts, "-o", "GlobalKnownHostsFile=/dev/null", lab.Destination];

    /// <summary>`script -qec "dotnet sessionkeeper.dll ARGS" /dev/null`: the CLI on a pseudo-terminal, all its output on script's stdout.</summary>
    private CliProcess OnTerminal(string[] args)
    {
        var cli = lab.Lab.Cli.CreateStartInfo(args);
        var command = string.Join(' ', new[] { cli.FileName }.Concat(cli.ArgumentList).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        var psi = new ProcessStartInfo("script");
        foreach (var arg in (string[])["-qec", command, "/dev/null"])
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in cli.Environment)
        {
            psi.Environment[name] = value;
        }

        foreach (var name in (string[])["SSH_AUTH_SOCK", "SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "DISPLAY"])
        {
            psi.Environment.Remove(name);
        }

        return CliProcess.Start(psi, keepStdinOpen: true);
    }
}
