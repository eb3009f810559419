using System.Globalization;

namespace SessionKeeper.IntegrationTests.OpenSsh;

/// <summary>
/// A private key file the group or others may read is refused as ssh refuses it
/// (<c>sshkey_perm_ok</c>): the same warning, then the next key. Compared with the system ssh
/// given the same keys.
/// </summary>
public sealed class KeyPermissionTests(AuthLab lab) : IClassFixture<AuthLab>
{
    [Fact(Timeout = 90_000)]
    public async Task A_key_readable_by_others_is_refused_with_sshs_warning_and_the_next_key_is_used()
    {
        var open = CopyKey(lab.Ed25519, "id_open", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        lab.Authorize(open, lab.Ecdsa);
        var logStart = lab.Sshd.ReadLog().Length;

        var ours = await lab.PsAsync(["-i", open, "-i", lab.Ecdsa]);
        var ssh = await SshAsync(open, lab.Ecdsa);

        Assert.True(ours.ExitCode == 0, ours.ToString());
        Assert.True(ssh.ExitCode == 0, ssh.ToString());
        var warning = Warning(ssh.Stderr);
        Assert.Contains($"Permissions 0644 for '{open}' are too open.", warning);
        Assert.Equal(warning, Warning(ours.Stderr));
        var accepted = await WaitForLogAsync(logStart, "Accepted publickey");
        Assert.Contains($"ECDSA {await OpenSshLab.FingerprintAsync(lab.Ecdsa + ".pub")}", AuthLab.Accepted(accepted), StringComparison.Ordinal);
        Assert.DoesNotContain(await OpenSshLab.FingerprintAsync(open + ".pub"), AuthLab.Accepted(lab.Sshd.ReadLog()[logStart..]), StringComparison.Ordinal);
    }

    [Fact(Timeout = 90_000)]
    public async Task With_only_an_open_key_login_fails_like_ssh_and_works_once_it_is_private()
    {
        var open = CopyKey(lab.Ed25519, "id_group", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        lab.Authorize(open);

        var ours = await lab.PsAsync(["-i", open]);
        var ssh = await SshAsync(open);

        Assert.Equal(255, ssh.ExitCode);
        Assert.Equal(253, ours.ExitCode); // authentication refused
        Assert.Contains($"Permissions 0640 for '{open}' are too open.", Warning(ssh.Stderr));
        Assert.Equal(Warning(ssh.Stderr), Warning(ours.Stderr));

        File.SetUnixFileMode(open, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var now = await lab.PsAsync(["-i", open]);
        Assert.True(now.ExitCode == 0, now.ToString());
        Assert.DoesNotContain("UNPROTECTED", now.Stderr, StringComparison.Ordinal);
    }

    /// <summary>ssh's six warning lines, from the first '@' line on, prefixes such as "sessionkeeper: " dropped.</summary>
    private static string[] Warning(string stderr)
    {
        var lines = stderr.Split('\n').Select(l => l.TrimEnd('\r')).Select(l => l.StartsWith("sessionkeeper: ", StringComparison.Ordinal) ? l["sessionkeeper: ".Length..] : l).ToList();
        var start = lines.FindIndex(l => l.StartsWith("@@@@", StringComparison.Ordinal));
        Assert.True(start >= 0, $"no warning in:\n{stderr}");
        return [.. lines.Skip(start).Take(6)];
    }

    private string CopyKey(string key, string name, UnixFileMode mode)
    {
        var path = lab.Lab.PathOf(name);
        File.Copy(key, path, overwrite: true);
        File.Copy(key + ".pub", path + ".pub", overwrite: true);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private Task<Infrastructure.CliResult> SshAsync(params string[] keys) =>
        OpenSshLab.SshAsync(
            "/dev/null",
            [
                .. keys.SelectMany(k => new[] { "-i", k }),
                "-o", "IdentitiesOnly=yes",
                "-p", lab.Sshd.Port.ToString(CultureInfo.InvariantCulture),
                "-o", $"UserKnownHostsFile={lab.Sshd.KnownHostsPath}",
                "-o", "GlobalKnownHostsFile=/dev/null",
            ],
            $"{lab.Sshd.UserName}@127.0.0.1");

    private Task<string> WaitForLogAsync(int start, string text) =>
        Infrastructure.Poll.ObjectAsync(
            () => lab.Sshd.ReadLog()[start..] is var slice && slice.Contains(text, StringComparison.Ordinal) ? slice : null,
            TimeSpan.FromSeconds(10),
            $"sshd to log \"{text}\"");
}
