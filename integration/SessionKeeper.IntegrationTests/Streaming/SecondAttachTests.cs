using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>
/// A second, fresh CLI process may attach while the first still is: each has its own remote
/// helper, the first keeps the mirror, and both print the whole output.
/// </summary>
public sealed class SecondAttachTests(StreamHost host) : IClassFixture<StreamHost>
{
    [Fact(Timeout = 90_000)]
    public async Task Two_attached_processes_both_get_the_full_output()
    {
        var stopFile = Path.Combine(host.Sshd.TempDir, "second.stop");
        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var id = await host.LaunchAsync(SequenceLines.JobUntil(stopFile, 5, "0.05", 3), proxy);
        await using var first = host.Start("attach", [id], ["--heartbeat", "200ms", "--dead-after", "1s"], proxy);
        await first.WaitForStdoutAsync("seq 20 ", TimeSpan.FromSeconds(20));

        await using var second = host.Start("attach", [id], ["--heartbeat", "200ms", "--dead-after", "1s"], proxy);
        await second.WaitForStdoutAsync("seq 40 ", TimeSpan.FromSeconds(20));
        // Both are attached now: each has a helper of its own on the target.
        await Poll.UntilAsync(() => HelperLifetimeTests.HelperRecords(Path.Combine(host.JobDir(id), "helpers")).Length >= 2, TimeSpan.FromSeconds(10), "two stream helpers");
        await File.WriteAllTextAsync(stopFile, "");

        var results = await Task.WhenAll(first.WaitForResultAsync(TimeSpan.FromSeconds(30)), second.WaitForResultAsync(TimeSpan.FromSeconds(30)));
        var remote = await File.ReadAllBytesAsync(host.RemoteLog(id));
        Assert.All(results, r => Assert.True(r.ExitCode == 3, r.ToString()));
        Assert.Equal(StreamHost.Sha256(remote), StreamHost.Sha256(results[0].Stdout));
        Assert.Equal(StreamHost.Sha256(remote), StreamHost.Sha256(results[1].Stdout));
        Assert.Equal(StreamHost.Sha256(remote), StreamHost.Sha256File(host.Mirror(id)));
        Assert.Equal(0, SequenceLines.Analyze(results[1].Stdout).Lost);
    }
}
