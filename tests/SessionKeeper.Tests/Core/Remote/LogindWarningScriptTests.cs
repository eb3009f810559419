using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Remote;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Tests.Fakes;

namespace SessionKeeper.Tests.Core.Remote;

/// <summary>
/// The launch's logind warning (KillUserProcesses=yes and no lingering), run by dash, bash and
/// BusyBox ash against a fake systemd root and a fake busctl that counts its calls: logind is asked
/// once per boot and configuration, not at every launch, and lingering is read from its file.
/// </summary>
public sealed class LogindWarningScriptTests : IDisposable
{
    private readonly TempDir _state = new();
    private readonly TempDir _root = new();

    public LogindWarningScriptTests()
    {
        Directory.CreateDirectory(Path.Combine(_root.Path, "run/systemd/system"));
        Directory.CreateDirectory(Path.Combine(_root.Path, "etc/systemd"));
        Directory.CreateDirectory(Path.Combine(_root.Path, "var/lib/systemd/linger"));
        File.WriteAllText(Config, "[Login]\n");
        File.SetLastWriteTimeUtc(Config, DateTime.UtcNow.AddHours(-1));
        Answer("b true");
    }

    private string Config => Path.Combine(_root.Path, "etc/systemd/logind.conf");

    private string Calls => Path.Combine(_root.Path, "busctl.calls");

    private string Cache => Path.Combine(_state.Path, "sessionkeeper", "logind");

    public void Dispose()
    {
        _state.Dispose();
        _root.Dispose();
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.AllTiers), MemberType = typeof(Shells))]
    public async Task Logind_is_asked_once_then_again_only_after_its_configuration_changes(string shell)
    {
        var client = Client(shell);

        var first = await LaunchAsync(client);
        var second = await LaunchAsync(client);

        Assert.Single(first.Warnings);
        Assert.Single(second.Warnings);
        Assert.Equal(1, CallCount());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Cache));

        // The configuration changed after the answer was kept (mtimes set apart by minutes, not by
        // the clock's resolution).
        Answer("b false");
        File.SetLastWriteTimeUtc(Cache, DateTime.UtcNow.AddMinutes(-30));
        File.SetLastWriteTimeUtc(Config, DateTime.UtcNow.AddMinutes(-10));
        var changed = await LaunchAsync(client);
        var after = await LaunchAsync(client);

        Assert.Empty(changed.Warnings);
        Assert.Empty(after.Warnings);
        Assert.Equal(2, CallCount());
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_new_drop_in_or_another_boot_asks_logind_again(string shell)
    {
        var client = Client(shell);
        await LaunchAsync(client);
        Assert.Equal(1, CallCount());

        var dropIns = Path.Combine(_root.Path, "etc/systemd/logind.conf.d");
        Directory.CreateDirectory(dropIns);
        // A drop-in copied in with its old mtime kept: the directory's own mtime tells.
        File.WriteAllText(Path.Combine(dropIns, "kill.conf"), "[Login]\nKillUserProcesses=yes\n");
        File.SetLastWriteTimeUtc(Path.Combine(dropIns, "kill.conf"), DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(Cache, DateTime.UtcNow.AddMinutes(-30));
        Directory.SetLastWriteTimeUtc(dropIns, DateTime.UtcNow.AddMinutes(-10));
        await LaunchAsync(client);
        Assert.Equal(2, CallCount());

        File.WriteAllText(Cache, "another-boot no\n");
        var otherBoot = await LaunchAsync(client);
        Assert.Equal(3, CallCount());
        Assert.Single(otherBoot.Warnings);
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_lingering_user_gets_no_warning_and_logind_is_not_asked(string shell)
    {
        File.WriteAllText(Path.Combine(_root.Path, "var/lib/systemd/linger", Environment.UserName), "");

        var status = await LaunchAsync(Client(shell));

        Assert.Empty(status.Warnings);
        Assert.Equal(0, CallCount());
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Shells.All), MemberType = typeof(Shells))]
    public async Task A_foreground_run_warns_from_the_same_kept_answer(string shell)
    {
        var client = Client(shell);
        await LaunchAsync(client);

        var id = JobId.New();
        var request = new StreamRequest(id, default, 1 << 20, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(60), "test-client") { Credit = false };
        var (status, stream) = await client.LaunchStreamingAsync(id, JobCookie.New(), new JobSpec("true", Shell: "/bin/sh"), spoolStdin: false, request);
        using (stream)
        {
            while (stream.Reader.Next() is not null)
            {
            }
        }

        Assert.Single(status.Warnings);
        Assert.Equal(1, CallCount());
    }

    private JobClient Client(string shell)
    {
        var path = Shells.Path_(shell);
        var session = new LocalShellSession(_state.Path, path)
        {
            InterpreterPath = path,
            Tier = Shells.IsPosixTier(shell) ? "posix" : null,
            ExtraEnvironment = new Dictionary<string, string>
            {
                ["SESSIONKEEPER_SYSTEMD_ROOT"] = _root.Path,
                ["SESSIONKEEPER_BUSCTL"] = Path.Combine(_root.Path, "busctl"),
                ["LOGNAME"] = Environment.UserName,
            },
        };
        return new JobClient(session);
    }

    private static Task<JobStatus> LaunchAsync(JobClient client) =>
        client.LaunchAsync(JobId.New(), JobCookie.New(), new JobSpec("true", Shell: "/bin/sh"));

    /// <summary>The fake busctl prints <paramref name="answer"/> for KillUserProcesses and counts its calls.</summary>
    private void Answer(string answer)
    {
        var busctl = Path.Combine(_root.Path, "busctl");
        File.WriteAllText(busctl, $"#!/bin/sh\necho x >> '{Calls}'\necho '{answer}'\n");
        File.SetUnixFileMode(busctl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private int CallCount() => File.Exists(Calls) ? File.ReadAllLines(Calls).Length : 0;
}
