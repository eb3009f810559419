using System.Diagnostics;
using SessionKeeper.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// Issue 3: "a job that prints nothing for ten minutes is not a dead connection". Scaled down: 20 s
/// of silence against a 5 s deadline and a 200 ms heartbeat, i.e. four deadlines and a hundred
/// heartbeats end to end. The deadline is generous so that a loaded machine cannot delay a
/// heartbeat past it; the exact boundary (a heartbeat every deadline is enough) is checked on a
/// fake clock in AttacherClockTests.
/// </summary>
[Collection(StreamingTests.Name)]
public sealed class SilentJobTests(StreamHost host, ITestOutputHelper output) : IClassFixture<StreamHost>
{
    [Fact(Timeout = 90_000)]
    public async Task Twenty_silent_seconds_are_never_a_dead_connection()
    {
        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var clock = Stopwatch.StartNew();
        // The job's sleep IS the scenario: twenty seconds without a byte of output.
        await using var cli = host.Start(
            "run",
            ["--", "echo begin; sleep 20; echo end"],
            ["--shell", "/bin/sh", "--heartbeat", "200ms", "--dead-after", "5s"],
            proxy);
        var result = await cli.WaitForResultAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"exit {result.ExitCode} after {clock.Elapsed.TotalSeconds:0.0} s; {proxy.TotalConnections} connection(s) through the proxy");
        output.WriteLine(result.Stderr);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("begin\nend\n", result.StdoutText);
        Assert.DoesNotContain("lost", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("reconnect", result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, proxy.TotalConnections);
    }
}
