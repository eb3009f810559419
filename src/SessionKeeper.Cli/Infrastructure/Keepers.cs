using System.CommandLine;
using SessionKeeper.Cli.Commands;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>The CLI's <see cref="JobKeeper"/>: SSH as the transport, the state directory --state-dir names.</summary>
internal static class Keepers
{
    public static JobKeeper Open(ParseResult result, ISupervisionObserver? observer = null) =>
        Open(StatePaths.Root(result.GetValue(CommonArguments.StateDir)), observer, Verbosities.Of(result));

    /// <summary>
    /// With <see cref="Verbosity.Verbose"/>, the transport says on stderr how it connects (host key,
    /// keys offered, ciphers); with <see cref="Verbosity.Errors"/> (-q) it keeps its notes (a host
    /// key added to known_hosts, a key skipped) to itself, as `ssh -q` does.
    /// </summary>
    public static JobKeeper Open(string stateRoot, ISupervisionObserver? observer = null, Verbosity verbosity = Verbosity.Outcome) =>
        JobKeeper.Open(new JobKeeperOptions
        {
            Transport = verbosity switch
            {
                Verbosity.Verbose => new SshTransport { Logs = StderrLogs.Factory },
                Verbosity.Errors => new SshTransport { Quiet = true },
                _ => SshTransport.Default,
            },
            StateDirectory = stateRoot,
            Observer = observer,
        });
}
