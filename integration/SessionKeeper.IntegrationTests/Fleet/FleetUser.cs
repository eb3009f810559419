using System.Diagnostics;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Fleet;

/// <summary>
/// The user every fleet host logs in as. As root: "sk-fleet" (created once, idempotently), whose
/// login shell is /bin/sh and who has no shell start-up files, so that no ~/.bashrc of the
/// machine's own user (pyenv, conda...) slows or breaks logins under load; its
/// ~/.ssh/authorized_keys holds the key of every fixture that serves it through Dropbear (added
/// and removed under a lock, so test runs side by side on one machine keep each other's keys).
/// Otherwise: the current user.
/// </summary>
public static class FleetUser
{
    public const string DedicatedName = "sk-fleet";
    private const string UsersLock = "/tmp/sessionkeeper-tests-users.lock";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static string Name => TestUsers.IsRoot ? DedicatedName : Environment.UserName;

    public static string Home => Path.Combine("/home", DedicatedName);

    /// <summary>As root, creates the user if missing and authorizes <paramref name="publicKey"/>; else does nothing.</summary>
    public static async Task EnsureAsync(string publicKey, CancellationToken ct = default)
    {
        if (!TestUsers.IsRoot)
        {
            return;
        }

        await using (await FileLock.AcquireAsync(UsersLock, Timeout, ct))
        {
            if (!File.ReadLines("/etc/passwd").Any(l => l.StartsWith(DedicatedName + ":", StringComparison.Ordinal)))
            {
                await RunAsync("useradd", ["--create-home", "--shell", "/bin/sh", "--password", "*", DedicatedName], ct);
            }

            var ssh = Path.Combine(Home, ".ssh");
            Directory.CreateDirectory(ssh);
            var keys = AuthorizedKeys();
            var line = publicKey.Trim();
            if (!File.Exists(keys) || !File.ReadLines(keys).Contains(line, StringComparer.Ordinal))
            {
                await File.AppendAllTextAsync(keys, line + "\n", ct);
            }

            File.SetUnixFileMode(ssh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await RunAsync("chown", ["-R", $"{DedicatedName}:", ssh], ct);
        }
    }

    /// <summary>As root, takes <paramref name="publicKey"/> out of the user's authorized keys again.</summary>
    public static async Task RevokeAsync(string publicKey)
    {
        if (!TestUsers.IsRoot || !File.Exists(AuthorizedKeys()))
        {
            return;
        }

        await using (await FileLock.AcquireAsync(UsersLock, Timeout, CancellationToken.None))
        {
            var line = publicKey.Trim();
            var keys = AuthorizedKeys();
            await File.WriteAllLinesAsync(keys, File.ReadLines(keys).Where(l => l != line).ToList());
        }
    }

    private static string AuthorizedKeys() => Path.Combine(Home, ".ssh", "authorized_keys");

    private static async Task RunAsync(string command, string[] args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(command);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        (await CliProcess.RunAsync(psi, Timeout, ct)).EnsureSuccess($"{command} {string.Join(' ', args)}");
    }
}
