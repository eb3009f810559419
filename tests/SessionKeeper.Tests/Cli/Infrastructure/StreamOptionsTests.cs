using System.CommandLine;
using SessionKeeper.Cli.Infrastructure;
using SessionKeeper.Ssh;

namespace SessionKeeper.Tests.Cli.Infrastructure;

/// <summary>ssh_config's ServerAlive* set the heartbeat deadline, and the flags win.</summary>
public class StreamOptionsTests
{
    private static readonly SshTarget Target = new() { Host = "10.0.0.9", Port = 2222, User = "deploy", ServerAliveInterval = 15, ServerAliveCountMax = 2 };

    [Theory]
    [InlineData(new string[0], 30.0, 1.0)]
    [InlineData(new[] { "--dead-after", "9s" }, 9.0, 1.0)]
    [InlineData(new[] { "--heartbeat", "3s" }, 30.0, 3.0)]
    public void ServerAlive_maps_onto_the_dead_after_deadline_and_flags_win(string[] flags, double deadAfter, double heartbeat)
    {
        var stream = new StreamOptions();
        var command = new RootCommand();
        stream.AddTo(command);
        var result = command.Parse(flags);

        var options = stream.Resolve(result, Target);

        Assert.Equal(TimeSpan.FromSeconds(deadAfter), options.DeadAfter);
        Assert.Equal(TimeSpan.FromSeconds(heartbeat), options.Heartbeat);
    }

    [Fact]
    public void A_short_ServerAlive_deadline_gets_heartbeats_twice_within_it()
    {
        var stream = new StreamOptions();
        var command = new RootCommand();
        stream.AddTo(command);

        var options = stream.Resolve(command.Parse([]), Target with { ServerAliveInterval = 1, ServerAliveCountMax = 1 });

        Assert.Equal(TimeSpan.FromSeconds(1), options.DeadAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.Heartbeat);
    }
}
