using System.CommandLine;
using SessionKeeper.Core.Jobs;
using SessionKeeper.Core.Streaming;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>Options of the verbs that follow a stream: liveness and reconnection.</summary>
internal sealed class StreamOptions
{
    public Option<string?> Heartbeat { get; } = new("--heartbeat") { Description = "Heartbeat interval of the remote stream (default 1s)." };

    public Option<string?> DeadAfter { get; } = new("--dead-after") { Description = "Silence that means the connection is dead (default 5s)." };

    public Option<string?> MaxBackoff { get; } = new("--max-backoff") { Description = "Longest wait between reconnection attempts (default 5s)." };

    public Option<string?> GiveUpAfter { get; } = new("--give-up-after") { Description = "Stop reconnecting after this long (default: never)." };

    public void AddTo(Command command)
    {
        command.Options.Add(Heartbeat);
        command.Options.Add(DeadAfter);
        command.Options.Add(MaxBackoff);
        command.Options.Add(GiveUpAfter);
    }

    /// <summary>
    /// The options for following a stream from <paramref name="target"/>. Without --dead-after, the
    /// host's ssh_config ServerAliveInterval x ServerAliveCountMax (when set) is the silence that
    /// means the connection is dead, as it is for ssh; without --heartbeat, heartbeats then come at
    /// least twice within it. Explicit flags always win.
    /// </summary>
    public AttachOptions Resolve(ParseResult result, SshTarget? target = null)
    {
        var options = new AttachOptions();
        if (result.GetValue(Heartbeat) is { } hb)
        {
            options = options with { Heartbeat = Durations.Parse(hb, "--heartbeat") };
        }

        if (result.GetValue(DeadAfter) is { } dead)
        {
            options = options with { DeadAfter = Durations.Parse(dead, "--dead-after") };
        }

        if (result.GetValue(MaxBackoff) is { } backoff)
        {
            options = options with { MaxBackoff = Durations.Parse(backoff, "--max-backoff") };
        }

        if (result.GetValue(GiveUpAfter) is { } giveUp)
        {
            options = options with { GiveUpAfter = Durations.Parse(giveUp, "--give-up-after") };
        }

        if (target?.DeadConnectionAfter is { } silence)
        {
            if (result.GetValue(DeadAfter) is null)
            {
                options = options with { DeadAfter = silence };
            }

            if (result.GetValue(Heartbeat) is null && options.Heartbeat > options.DeadAfter / 2)
            {
                options = options with { Heartbeat = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, (options.DeadAfter / 2).Ticks)) };
            }
        }

        if (options.Heartbeat < TimeSpan.FromMilliseconds(100) || options.DeadAfter <= options.Heartbeat)
        {
            throw new Core.Failures.SessionKeeperException(
                Core.Failures.FailureKind.InvalidInput,
                "--dead-after must be longer than --heartbeat, and --heartbeat at least 100ms.");
        }

        return options;
    }
}
