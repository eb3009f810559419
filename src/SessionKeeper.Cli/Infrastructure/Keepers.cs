using System.CommandLine;
using SessionKeeper.Cli.Commands;
using SessionKeeper.Core.Supervision;
using SessionKeeper.Ssh;
using SessionKeeper.Ssh.Broker;

namespace SessionKeeper.Cli.Infrastructure;

/// <summary>The CLI's <see cref="JobKeeper"/>: SSH as the transport, the state directory --state-dir names.</summary>
internal static class Keepers
{
    public static JobKeeper Open(ParseResult result, ISupervisionObserver? observer = null) =>
        Open(StatePaths.Root(result.GetValue(CommonArguments.StateDir)), observer, Verbosities.Of(result), MayBroker(result), journal: result.GetValue(CommonArguments.Journal));

    /// <summary>
    /// Whether a verb may use the daemon's connections (when one answers on its socket): unless
    /// --no-daemon or $SESSIONKEEPER_NO_DAEMON says no. The daemon itself never does.
    /// </summary>
    public static bool MayBroker(ParseResult result) =>
        !result.GetValue(CommonArguments.NoDaemon) && Environment.GetEnvironmentVariable(BrokerFrame.DisableVariable) is null or "" or "0";

    /// <summary>
    /// With <see cref="Verbosity.Verbose"/>, the transport says on stderr how it connects (host key,
    /// keys offered, ciphers); with <see cref="Verbosity.Errors"/> (-q) it keeps its notes (a host
    /// key added to known_hosts, a key skipped) to itself, as `ssh -q` does.
    /// </summary>
    public static JobKeeper Open(string stateRoot, ISupervisionObserver? observer = null, Verbosity verbosity = Verbosity.Outcome, bool broker = false, ITransport? transport = null, string? journal = null)
    {
        var direct = verbosity switch
        {
            Verbosity.Verbose => new SshTransport { Logs = StderrLogs.Factory },
            Verbosity.Errors => new SshTransport { Quiet = true },
            _ => SshTransport.Default,
        };
        return JobKeeper.Open(new JobKeeperOptions
        {
            Transport = transport ?? (broker ? new BrokeredTransport(direct, Path.Combine(stateRoot, BrokerFrame.SocketName), direct.Logs) : direct),
            StateDirectory = stateRoot,
            Journal = journal,
            Observer = observer,
        });
    }
}
