using Microsoft.Extensions.Logging;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Ssh.Broker;

/// <summary>
/// <see cref="SshTransport"/> with its connections made by the daemon when one answers on the
/// state directory's broker socket: the journal records the same endpoints, the same prompts reach
/// the same terminal (relayed), and without a daemon every connection is the direct one.
/// </summary>
internal sealed class BrokeredTransport : ITransport, IJournalingTransport
{
    private readonly SshTransport _direct;
    private readonly BrokerLink _link;
    private readonly IUserInteraction _interaction;

    /// <param name="direct">The transport used when no daemon answers, and whose settings (logs, quiet) apply.</param>
    /// <param name="socketPath">The daemon's broker socket.</param>
    /// <param name="logs">Where -v notes go (why the daemon is not used); null for nowhere.</param>
    public BrokeredTransport(SshTransport direct, string socketPath, ILoggerFactory? logs)
    {
        _direct = direct;
        _interaction = direct.Quiet ? new TerminalInteraction(notes: TextWriter.Null) : new TerminalInteraction();
        var logger = logs?.CreateLogger("SessionKeeper.Broker");
        _link = new BrokerLink(
            socketPath,
            message => logger?.LogDebug("{Message}", message),
            message => Console.Error.WriteLine($"sessionkeeper: warning: {message}"));
    }

    public IRemoteConnector Connector(IJobHost host) => Brokered(_direct.Connector(host));

    public JobEndpoint Describe(IJobHost host) => _direct.Describe(host);

    public IJobHost Restore(JobEndpoint endpoint) => _direct.Restore(endpoint);

    /// <summary>
    /// Only for the state directory's own journal: a shared one is left to this process (the
    /// daemon takes a start only for the journal file it holds, which it checks too).
    /// </summary>
    public Task<DelegatedStart> StartAsync(string stateRoot, string? journal, JournalJob draft, CancellationToken cancellationToken) =>
        JobJournal.Shared(journal) is not null
            ? Task.FromResult(DelegatedStart.NotTaken)
            : _link.StartAsync(new StartRequest(Path.Combine(Path.GetFullPath(stateRoot), JobJournal.FileName), draft, _interaction.CanPrompt), _interaction, cancellationToken);

    private IRemoteConnector Brokered(IRemoteConnector direct) =>
        direct is SshConnector ssh ? new BrokeredConnector(ssh.Target, _link, direct, _interaction) : direct;
}
