using SessionKeeper.IntegrationTests.Agent;

namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>
/// Authentication through the CLI against a real sshd: keys only a real ssh-agent holds (RSA, ECDSA,
/// Ed25519, an Ed25519 user certificate), IdentitiesOnly, identity files with a passphrase given
/// through SSH_ASKPASS as ssh takes it, and the note when nobody can be asked.
/// </summary>
public sealed class AuthenticationTests(AuthLab lab) : IClassFixture<AuthLab>
{
    private static readonly SemaphoreSlim AgentReady = new(1, 1);
    private static string? _loadedInto;

    [Theory(Timeout = 60_000)]
    [InlineData("ed25519", "ED25519")]
    [InlineData("ecdsa", "ECDSA")]
    [InlineData("rsa", "RSA")]
    public async Task An_agent_key_logs_in_with_no_identity_file(string which, string logType)
    {
        await LoadAgentAsync();
        var key = which switch { "ed25519" => lab.Ed25519, "ecdsa" => lab.Ecdsa, _ => lab.Rsa };
        lab.Authorize(key);
        var logStart = lab.Sshd.ReadLog().Length;

        var result = await lab.PsAsync([], lab.WithAgent());

        Assert.True(result.ExitCode == 0, result.ToString());
        var log = await WaitForLogAsync(logStart, "Accepted publickey");
        Assert.Contains($"ssh2: {logType} {await OpenSshLab.FingerprintAsync(key + ".pub")}", AuthLab.Accepted(log), StringComparison.Ordinal);
        Assert.DoesNotContain("pkalg ssh-rsa ", log, StringComparison.Ordinal); // never SHA-1 RSA
    }

    [Fact(Timeout = 60_000)]
    public async Task An_agent_held_user_certificate_logs_in_where_no_key_is_authorized()
    {
        await using var agent = await NewAgentAsync();
        await agent.AddAsync(lab.Certified); // the key and its -cert.pub
        lab.Authorize();
        var logStart = lab.Sshd.ReadLog().Length;

        var result = await lab.PsAsync([], new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = agent.SocketPath });

        Assert.True(result.ExitCode == 0, result.ToString());
        var accepted = AuthLab.Accepted(await WaitForLogAsync(logStart, "Accepted publickey"));
        Assert.Contains($"ED25519-CERT {await OpenSshLab.FingerprintAsync(lab.Certified + ".pub")}", accepted, StringComparison.Ordinal);
        Assert.Contains($"CA ED25519 {await OpenSshLab.FingerprintAsync(lab.UserCa + ".pub")}", accepted, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task IdentitiesOnly_offers_only_the_agent_key_named_by_the_identity_file()
    {
        await LoadAgentAsync();
        lab.Authorize(lab.Ecdsa);
        var ecdsa = await OpenSshLab.FingerprintAsync(lab.Ecdsa + ".pub");

        var logStart = lab.Sshd.ReadLog().Length;
        var only = await lab.PsAsync(["-o", "IdentitiesOnly=yes", "-i", lab.Ecdsa], lab.WithAgent());
        Assert.True(only.ExitCode == 0, only.ToString());
        var log = await WaitForLogAsync(logStart, "Accepted publickey");
        Assert.Contains($"ECDSA {ecdsa}", AuthLab.Accepted(log), StringComparison.Ordinal);
        Assert.All(AuthLab.Offered(log), fingerprint => Assert.Equal(ecdsa, fingerprint)); // (a lone key is signed at once, without a query)

        // Without IdentitiesOnly, ssh still offers the agent's copy of a named key first.
        logStart = lab.Sshd.ReadLog().Length;
        var first = await lab.PsAsync(["-i", lab.Ecdsa], lab.WithAgent());
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(ecdsa, AuthLab.Offered(await WaitForLogAsync(logStart, "Accepted publickey"))[0]);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_rsa_identity_file_logs_in_with_rsa_sha2_and_never_sha1()
    {
        lab.Authorize(lab.Rsa);
        var logStart = lab.Sshd.ReadLog().Length;

        var result = await lab.PsAsync(["-i", lab.Rsa]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var log = await WaitForLogAsync(logStart, "Accepted publickey");
        Assert.Contains("pkalg rsa-sha2-512 ", log, StringComparison.Ordinal);
        Assert.DoesNotContain("pkalg ssh-rsa ", log, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_encrypted_key_logs_in_with_its_passphrase_from_SSH_ASKPASS()
    {
        lab.Authorize(lab.Encrypted);
        var prompts = lab.Lab.PathOf($"prompts-{Guid.NewGuid():N}");
        var env = AskPass(AuthLab.Passphrase, prompts);

        var result = await lab.PsAsync(["-i", lab.Encrypted], env);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"Enter passphrase for key '{lab.Encrypted}': \n", File.ReadAllText(prompts));
        Assert.DoesNotContain(AuthLab.Passphrase, result.Stderr + result.StdoutText, StringComparison.Ordinal);

        // The oracle: ssh itself takes the passphrase the same way, and asks the same question.
        var sshPrompts = lab.Lab.PathOf($"prompts-{Guid.NewGuid():N}");
        var ssh = await OpenSshLab.SshAsync(
            "/dev/null",
            ["-p", lab.Sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", lab.Encrypted, "-o", "IdentitiesOnly=yes", "-o", $"UserKnownHostsFile={lab.Sshd.KnownHostsPath}"],
            $"{lab.Sshd.UserName}@127.0.0.1",
            env: AskPass(AuthLab.Passphrase, sshPrompts),
            batchMode: false);
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        Assert.Equal(File.ReadAllText(prompts), File.ReadAllText(sshPrompts));
    }

    [Fact(Timeout = 60_000)]
    public async Task An_encrypted_key_with_nobody_to_ask_is_skipped_with_a_note()
    {
        lab.Authorize(lab.Encrypted);

        var result = await lab.PsAsync(["-i", lab.Encrypted]);

        Assert.Equal(253, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains($"skipping identity file {lab.Encrypted}: it is encrypted", lines[0], StringComparison.Ordinal);
        Assert.Contains("SSH_ASKPASS", lines[0], StringComparison.Ordinal);
        Assert.Contains("no usable key", lines[1], StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_wrong_passphrase_is_asked_three_times_then_the_key_is_given_up()
    {
        lab.Authorize(lab.Encrypted);
        var prompts = lab.Lab.PathOf($"prompts-{Guid.NewGuid():N}");

        var result = await lab.PsAsync(["-i", lab.Encrypted], AskPass("not-the-passphrase-0451", prompts));

        Assert.Equal(253, result.ExitCode);
        Assert.Equal(3, File.ReadAllLines(prompts).Length);
        Assert.Contains("bad passphrase", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-passphrase-0451", result.Stderr + result.StdoutText, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_encrypted_key_held_by_the_agent_needs_no_passphrase()
    {
        await using var agent = await NewAgentAsync();
        var prompts = lab.Lab.PathOf($"prompts-{Guid.NewGuid():N}");
        var add = AskPass(AuthLab.Passphrase, prompts);
        add["SSH_AUTH_SOCK"] = agent.SocketPath;
        await OpenSshLab.RunAsync("ssh-add", [lab.Encrypted], add);
        lab.Authorize(lab.Encrypted);

        var result = await lab.PsAsync(["-o", "IdentitiesOnly=yes", "-i", lab.Encrypted], new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = agent.SocketPath });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        Assert.Single(File.ReadAllLines(prompts)); // ssh-add's own prompt, none of ours
    }

    private Dictionary<string, string?> AskPass(string answer, string promptLog)
    {
        var script = lab.Lab.Write($"askpass-{Guid.NewGuid():N}", $"#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{promptLog}'\nprintf '%s\\n' '{answer}'\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new() { ["SSH_ASKPASS"] = script, ["SSH_ASKPASS_REQUIRE"] = "force" };
    }

    /// <summary>An agent of its own for one test, in a short directory (socket paths are limited).</summary>
    private Task<SshAgentProcess> NewAgentAsync() =>
        SshAgentProcess.StartAsync(Directory.CreateDirectory(lab.Lab.PathOf("agent-" + Guid.NewGuid().ToString("N")[..8])).FullName);

    /// <summary>The shared agent gets its plain keys once (the certificate would log in everywhere: it has an agent of its own).</summary>
    private async Task LoadAgentAsync()
    {
        await AgentReady.WaitAsync();
        try
        {
            if (_loadedInto != lab.Agent.SocketPath)
            {
                foreach (var key in (string[])[lab.Ed25519, lab.Ecdsa, lab.Rsa])
                {
                    await lab.Agent.AddAsync(key);
                }

                _loadedInto = lab.Agent.SocketPath;
            }
        }
        finally
        {
            AgentReady.Release();
        }
    }

    private Task<string> WaitForLogAsync(int start, string text) =>
        Infrastructure.Poll.ObjectAsync(
            () => lab.Sshd.ReadLog()[start..] is var slice && slice.Contains(text, StringComparison.Ordinal) ? slice : null,
            TimeSpan.FromSeconds(10),
            $"sshd to log \"{text}\"");
}
