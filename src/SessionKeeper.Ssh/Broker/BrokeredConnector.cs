using System.Text.Json;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Journal;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Ssh.Broker;

/// <summary>
/// Connects to a target through the daemon: the daemon holds the SSH connection, this process
/// gets a session bound to it (<see cref="BrokeredSession"/>). Only the transport moves; the CLI
/// does all the rest itself, so what the user sees is the same either way. Without a daemon
/// (none, a stale socket, a daemon that died) it connects directly, as <paramref name="direct"/>.
/// </summary>
internal sealed class BrokeredConnector(SshTarget target, BrokerLink link, IRemoteConnector direct, IUserInteraction interaction) : IRemoteConnector
{
    public string HostLabel => target.Label;

    public async Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (await link.ClientAsync(cancellationToken) is not { } client)
        {
            return await direct.ConnectAsync(cancellationToken);
        }

        var session = new BrokeredSession(client, client.NextId(), target.Label, interaction, direct, link.Note);
        var json = JsonSerializer.Serialize(SshTransport.Describe(target), EndpointJson.Default.JobEndpoint);
        try
        {
            await session.ConnectAsync(json, cancellationToken);
            link.Note($"using the daemon's connection to {target.Label}.");
            return session;
        }
        catch (BrokerBusyException)
        {
            // Every connection the daemon may hold to the host is another target's and in use:
            // as OpenSSH does when its master cannot open a session, connect by ourselves.
            await session.DisposeAsync();
            link.Note($"the daemon's connections to {target.Label} are all in use; connecting directly.");
            return await direct.ConnectAsync(cancellationToken);
        }
        catch (BrokerGoneException)
        {
            // Nothing was run for this session: a direct connection does the same work once.
            await session.DisposeAsync();
            link.Forget(client, "the daemon's socket closed while connecting");
            return await direct.ConnectAsync(cancellationToken);
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }
}

/// <summary>The daemon went away under a request that had not reached the target yet.</summary>
internal sealed class BrokerGoneException() : Exception("the daemon's socket closed.");

/// <summary>
/// This process's lazily opened link to the daemon: one <see cref="BrokerClient"/> for every
/// connector, tried once; after a failure or a loss the process goes direct for good, so a dead
/// daemon costs one attempt, not one per connection.
/// </summary>
internal sealed class BrokerLink(string socketPath, Action<string> note, Action<string> warn)
{
    private readonly Lazy<Task<BrokerClient?>> _first = new(() => BrokerClient.TryConnectAsync(socketPath, note, warn, CancellationToken.None));
    private BrokerClient? _client;
    private int _taken;
    private volatile bool _refused;

    public void Note(string message) => note(message);

    /// <summary>
    /// A <c>run -d</c> handed to the daemon whole (<see cref="BrokerClient.StartJob"/>), on a socket
    /// of its own; a daemon that is not there, refuses or goes away is not tried again by this process.
    /// </summary>
    public Task<DelegatedStart> StartAsync(StartRequest request, IUserInteraction interaction, CancellationToken cancellationToken)
    {
        var (start, refused) = BrokerClient.StartJob(socketPath, request, interaction, note, warn, cancellationToken);
        _refused |= refused;
        return Task.FromResult(start);
    }

    /// <summary>The daemon's link, tried on first use (bounded by <see cref="BrokerClient.HelloTimeout"/>), or null to go direct.</summary>
    public async Task<BrokerClient?> ClientAsync(CancellationToken cancellationToken)
    {
        if (_refused)
        {
            return null;
        }

        var first = await _first.Value.WaitAsync(cancellationToken);
        if (Interlocked.Exchange(ref _taken, 1) == 0)
        {
            Volatile.Write(ref _client, first);
        }

        return Volatile.Read(ref _client) is { Closed.IsCancellationRequested: false } client ? client : null;
    }

    public void Forget(BrokerClient client, string why)
    {
        if (Interlocked.CompareExchange(ref _client, null, client) == client)
        {
            note($"not using the daemon any more ({why}); connecting directly.");
        }
    }
}
