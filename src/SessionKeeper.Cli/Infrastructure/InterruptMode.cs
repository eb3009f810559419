using System.CommandLine;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>What Ctrl-C does in a foreground run or attach.</summary>
internal enum InterruptMode
{
    /// <summary>Stop following; the job keeps running (exit 130).</summary>
    Detach,

    /// <summary>Forward SIGINT to the job's process group, as ssh -t delivers Ctrl-C; a second Ctrl-C within a second detaches.</summary>
    Signal,

    /// <summary>Kill the job (TERM, KILL after the grace period).</summary>
    Kill,
}

/// <summary>--interrupt detach|signal|kill, and --kill-on-interrupt as its alias for kill.</summary>
internal sealed class InterruptOptions
{
    private readonly Option<string?> _interrupt = new("--interrupt")
    {
        Description = "Ctrl-C: detach (default; the job keeps running), signal (forward SIGINT to the job; twice within 1s detaches) or kill.",
    };

    private readonly Option<bool> _killOnInterrupt = new("--kill-on-interrupt") { Description = "Same as --interrupt kill." };

    public void AddTo(Command command)
    {
        command.Options.Add(_interrupt);
        command.Options.Add(_killOnInterrupt);
    }

    public InterruptMode Resolve(ParseResult result)
    {
        var mode = result.GetValue(_interrupt) switch
        {
            null => (InterruptMode?)null,
            "detach" => InterruptMode.Detach,
            "signal" => InterruptMode.Signal,
            "kill" => InterruptMode.Kill,
            var other => throw new SessionKeeperException(FailureKind.InvalidInput, $"--interrupt: '{other}' is not detach, signal or kill."),
        };
        if (result.GetValue(_killOnInterrupt))
        {
            return mode is null or InterruptMode.Kill
                ? InterruptMode.Kill
                : throw new SessionKeeperException(FailureKind.InvalidInput, "--kill-on-interrupt is --interrupt kill; it contradicts --interrupt " + result.GetValue(_interrupt) + ".");
        }

        return mode ?? InterruptMode.Detach;
    }
}
