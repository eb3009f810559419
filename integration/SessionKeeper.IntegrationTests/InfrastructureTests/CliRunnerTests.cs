using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.InfrastructureTests;

public sealed class CliRunnerTests
{
    private static readonly CliRunner Shell = new("/bin/sh", ["-c"]);

    [Fact(Timeout = 60000)]
    public async Task Captures_binary_stdout_stderr_and_exit_code()
    {
        var result = await Shell.RunAsync(["printf '\\000\\377ok'; echo oops >&2; exit 3"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(new byte[] { 0, 255, (byte)'o', (byte)'k' }, result.Stdout);
        Assert.Equal("oops\n", result.Stderr);
    }

    [Fact(Timeout = 60000)]
    public async Task Sets_and_removes_environment_variables_and_closes_stdin()
    {
        var env = new Dictionary<string, string?> { ["SK_TEST_VALUE"] = "bar", ["HOME"] = null };

        var result = await Shell.RunAsync(["cat; echo \"$SK_TEST_VALUE-${HOME:-nohome}\""], env);

        Assert.Equal("bar-nohome\n", result.StdoutText);
    }

    [Fact(Timeout = 60000)]
    public async Task Signal_interrupts_a_running_process()
    {
        await using var process = Shell.Start(["echo ready; exec sleep 30"]);
        await process.WaitForStdoutAsync("ready", TimeSpan.FromSeconds(10));

        Assert.True(process.Signal(PosixSignals.SIGINT));

        var result = await process.WaitForResultAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(128 + PosixSignals.SIGINT, result.ExitCode);
    }

    [Fact(Timeout = 60000)]
    public async Task RunAsync_kills_and_throws_on_timeout()
    {
        await Assert.ThrowsAsync<TimeoutException>(() => Shell.RunAsync(["exec sleep 30"], timeout: TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public void Finds_the_dotnet_host()
    {
        Assert.True(File.Exists(DotnetHost.Locate()));
    }
}
