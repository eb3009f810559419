using System.Text;
using SessionKeeper.IntegrationTests.Infrastructure;

namespace SessionKeeper.IntegrationTests.Streaming;

/// <summary>Output is bytes, not lines: all 256 byte values and no trailing newline arrive exactly.</summary>
public sealed class BinaryOutputTests(StreamHost host) : IClassFixture<StreamHost>
{
    [Fact(Timeout = 60_000)]
    public async Task Every_byte_value_without_a_trailing_newline_arrives_exactly()
    {
        var expected = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        // printf with octal escapes, twice: once before and once after a frame boundary is likely.
        var escapes = new StringBuilder();
        foreach (var b in expected)
        {
            escapes.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
        }

        var id = StreamHost.NewJobId("bin");
        await using var proxy = FaultProxy.Start(host.Sshd.Port);
        var result = await host.Cli.RunAsync(
            host.Arguments("run", ["--", $"printf '{escapes}'; sleep 0.3; printf '{escapes}'"], ["--id", id, "--shell", "/bin/sh"], proxy),
            timeout: TimeSpan.FromSeconds(45));

        byte[] twice = [.. expected, .. expected];
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(twice, await File.ReadAllBytesAsync(host.RemoteLog(id)));
        Assert.Equal(twice, result.Stdout);
        Assert.Equal(twice, await File.ReadAllBytesAsync(host.Mirror(id)));
    }
}
