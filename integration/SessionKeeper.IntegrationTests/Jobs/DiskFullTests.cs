using System.Diagnostics;
using System.Text.Json;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Jobs;

/// <summary>
/// Issue 9 item 11: the target's state directory (the job directories) on a small tmpfs that the
/// job fills up. The exit code must survive, and the status must say the log is incomplete.
/// </summary>
public sealed class DiskFullTests(JobsHost host) : IClassFixture<JobsHost>, IAsyncLifetime
{
    private bool _mounted;

    public async Task InitializeAsync()
    {
        if (!SshdFixture.IsRoot)
        {
            return;
        }

        Directory.CreateDirectory(host.Sshd.RemoteStateDir);
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=1m,mode=1777", "tmpfs", host.Sshd.RemoteStateDir);
        _mounted = true;
    }

    public async Task DisposeAsync()
    {
        if (_mounted)
        {
            // Lazy: a finished job's wrapper may still be on its way out of its directory.
            await RunAsync("umount", "-l", host.Sshd.RemoteStateDir);
        }
    }

    [SkippableFact(Timeout = 180000)]
    public async Task A_job_that_fills_the_disk_keeps_its_exit_code_and_the_status_says_the_log_is_incomplete()
    {
        Skip.IfNot(SshdFixture.IsRoot, "mounting a small tmpfs needs root");
        var id = await host.LaunchAsync("echo before; head -c 4000000 /dev/zero; echo after; exit 5");

        var wait = await host.RunAsync("wait", [id], timeout: TimeSpan.FromSeconds(90));
        var status = await host.RunAsync("status", [id]);
        var json = await host.RunAsync("status", [id], ["--json"]);

        Assert.True(wait.ExitCode == 5, wait.ToString());
        Assert.Contains("disk on the target was full", wait.Stderr, StringComparison.Ordinal);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("\texited 5\t", status.StdoutText, StringComparison.Ordinal);
        Assert.Contains("its log is incomplete: the disk on the target was full", status.Stderr, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.StdoutText);
        Assert.True(document.RootElement.GetProperty("log_incomplete").GetBoolean());
        Assert.Equal(5, document.RootElement.GetProperty("exit_code").GetInt32());
        Assert.False(File.Exists(Path.Combine(host.JobDir(id), "exit.slot")), "the slot was not used for the record");
        Assert.Empty(Directory.GetFiles(host.JobDir(id), "exit.tmp.*"));
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)}: {stderr}");
    }
}
