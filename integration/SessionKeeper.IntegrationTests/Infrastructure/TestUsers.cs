using System.Diagnostics;
using System.Text;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>
/// Local throwaway users "sk-&lt;shell&gt;" whose login shell is the shell under test. Root only.
/// Users persist between runs (creation is idempotent); they get a home dir and an unlocked
/// password field ("*": no password, but sshd with UsePAM no refuses locked "!" accounts).
/// </summary>
public static class TestUsers
{
    /// <summary>Holds the "ash" symlink to BusyBox (BusyBox picks the applet from argv[0]'s basename).</summary>
    public const string BusyBoxShellDir = "/usr/local/lib/sessionkeeper-tests";

    private const string LockPath = "/tmp/sessionkeeper-tests-users.lock";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static bool IsRoot => Libc.GetEffectiveUserId() == 0;

    /// <summary>
    /// Ensures user "sk-&lt;shell name&gt;" exists with <paramref name="shellPath"/> as login shell
    /// and returns its name. A path to busybox itself is replaced by an "ash" symlink to it (user sk-ash).
    /// </summary>
    public static async Task<string> EnsureUserWithShellAsync(string shellPath, CancellationToken ct = default)
    {
        if (!IsRoot)
        {
            throw new InvalidOperationException(
                $"Creating a test user with shell {shellPath} needs root; skip this test when TestUsers.IsRoot is false.");
        }

        if (!File.Exists(shellPath))
        {
            throw new InvalidOperationException($"Shell {shellPath} is not installed.");
        }

        await using var lockFile = await FileLock.AcquireAsync(LockPath, Timeout, ct);
        var shell = Path.GetFileName(shellPath) == "busybox" ? EnsureBusyBoxAsh(shellPath) : shellPath;
        var user = "sk-" + new string(Path.GetFileName(shell).Where(char.IsAsciiLetterOrDigit).ToArray()).ToLowerInvariant();
        EnsureListedInEtcShells(shell);
        var entry = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).FirstOrDefault(f => f[0] == user);
        if (entry is null)
        {
            await RunAsync("useradd", ["--create-home", "--shell", shell, "--password", "*", user], ct);
        }
        else if (entry.Length < 7 || entry[6] != shell)
        {
            await RunAsync("usermod", ["--shell", shell, user], ct);
        }

        if (IsLocked(user))
        {
            await RunAsync("usermod", ["--password", "*", user], ct);
        }

        return user;
    }

    /// <summary>Creates (idempotently) <see cref="BusyBoxShellDir"/>/ash -> busybox and returns its path.</summary>
    public static string EnsureBusyBoxAsh(string busyBoxPath = "/bin/busybox")
    {
        Directory.CreateDirectory(BusyBoxShellDir);
        var link = Path.Combine(BusyBoxShellDir, "ash");
        var existing = new FileInfo(link);
        if (existing.LinkTarget != busyBoxPath)
        {
            if (existing.Exists || existing.LinkTarget is not null)
            {
                existing.Delete();
            }

            File.CreateSymbolicLink(link, busyBoxPath);
        }

        return link;
    }

    private static void EnsureListedInEtcShells(string shell)
    {
        const string shells = "/etc/shells";
        var listed = File.Exists(shells) && File.ReadLines(shells).Any(l => l.Trim() == shell);
        if (!listed)
        {
            File.AppendAllText(shells, shell + "\n", Encoding.UTF8);
        }
    }

    private static bool IsLocked(string user) =>
        File.ReadLines("/etc/shadow").Select(l => l.Split(':')).Any(f => f[0] == user && f.Length > 1 && f[1].StartsWith('!'));

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
