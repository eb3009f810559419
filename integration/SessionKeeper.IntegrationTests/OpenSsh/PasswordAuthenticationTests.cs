using System.Globalization;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>
/// Password authentication only when asked for (--password-auth), after the keys, with the
/// password asked the way ssh asks it (here through SSH_ASKPASS). Needs root: it gives a throwaway
/// local user a password.
/// </summary>
public sealed class PasswordAuthenticationTests : IAsyncLifetime, IDisposable
{
    private const string User = "sk-password";
    private const string Password = "pass word 4 sessionkeeper";
    private readonly OpenSshLab _lab = new();
    private SshdFixture? _sshd;

    public async Task InitializeAsync()
    {
        if (!TestUsers.IsRoot)
        {
            return;
        }

        if (!File.ReadLines("/etc/passwd").Any(l => l.StartsWith(User + ":", StringComparison.Ordinal)))
        {
            await OpenSshLab.RunAsync("useradd", ["--create-home", "--shell", "/bin/sh", User]);
        }

        await OpenSshLab.RunAsync("sh", ["-c", $"printf '%s\\n' '{User}:{Password}' | chpasswd"]);
        _sshd = await SshdFixture.StartAsync(new SshdOptions { ExtraConfig = "PasswordAuthentication yes", UserName = User });
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task The_password_is_asked_only_with_password_auth_and_then_logs_in()
    {
        Prerequisite.Require(TestUsers.IsRoot, "needs root to give a local user a password");
        var prompts = _lab.PathOf("prompts");
        var askpass = _lab.Write("askpass", $"#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{prompts}'\nprintf '%s\\n' '{Password}'\n");
        File.SetUnixFileMode(askpass, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var env = new Dictionary<string, string?> { ["SSH_ASKPASS"] = askpass, ["SSH_ASKPASS_REQUIRE"] = "force" };
        string[] args = ["ps", "-F", "none", "-p", _sshd!.Port.ToString(CultureInfo.InvariantCulture), "--known-hosts", _sshd.KnownHostsPath, $"{User}@127.0.0.1"];

        var without = await _lab.Cli.RunAsync(args, env);
        Assert.Equal(251, without.ExitCode); // no key, and passwords were not asked for
        Assert.False(File.Exists(prompts));

        var with = await _lab.Cli.RunAsync(["ps", "--password-auth", .. args[1..]], env);
        Assert.True(with.ExitCode == 0, with.ToString());
        Assert.Equal($"{User}@127.0.0.1's password: \n", File.ReadAllText(prompts));
        Assert.DoesNotContain(Password, with.Stderr + with.StdoutText, StringComparison.Ordinal);
        Assert.Contains($"Accepted password for {User}", _sshd.ReadLog(), StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        if (_sshd is not null)
        {
            await _sshd.DisposeAsync();
        }
    }

    public void Dispose() => _lab.Dispose();
}
