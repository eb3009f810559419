using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Renci.SshNet;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Remote;
using SessionKeeper.Ssh.Auth;
using SessionKeeper.Ssh.Prompts;

namespace SessionKeeper.Ssh;

/// <summary>
/// Opens SSH.NET connections to one target, through its jump hosts if it has any: the first hop is
/// connected directly, each next one through a local forward (127.0.0.1:0) over the previous
/// connection, and every hop's host key is checked under its own name and port. The session
/// returned owns the whole chain: it is lost when any link is, and disposing it closes them all,
/// so a reconnection rebuilds the chain from the first hop.
/// </summary>
internal sealed partial class SshConnector : IRemoteConnector
{
    private readonly SshTarget _target;
    private readonly ILogger _logger;
    private readonly DeadlineAwareInteraction _interaction;
    private readonly KeyOffers _keys;

    /// <param name="target">Where and how to connect.</param>
    /// <param name="loggerFactory">Logs of the connection's steps; null for none.</param>
    /// <param name="interaction">Who answers prompts; null means the terminal (or SSH_ASKPASS), notes on stderr.</param>
    public SshConnector(SshTarget target, ILoggerFactory? loggerFactory = null, IUserInteraction? interaction = null)
    {
        _target = target;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SshConnector>();
        _interaction = new DeadlineAwareInteraction(interaction ?? new TerminalInteraction());
        _keys = new KeyOffers(_interaction);
    }

    public string HostLabel => _target.Label;

    public SshTarget Target => _target;

    public async Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var hops = _target.JumpHosts.Append(_target).ToList();
        var links = new List<SshClient>();
        try
        {
            string address = hops[0].Host;
            var port = hops[0].Port;
            for (var i = 0; i < hops.Count; i++)
            {
                if (i > 0)
                {
                    (address, port) = Forward(links[^1], hops[i], hops[i - 1]);
                }

                try
                {
                    links.Add(await ConnectHopAsync(hops[i], address, port, i == 0 ? null : hops[i - 1], cancellationToken));
                }
                catch (SessionKeeperException ex) when (i < hops.Count - 1)
                {
                    throw new SessionKeeperException(ex.Kind, $"{ex.Message.TrimEnd('.')} (jump host {i + 1} of {hops.Count - 1} on the way to {_target.Label}).", ex);
                }
            }

            return new SshRemoteSession(links, _target.Label);
        }
        catch
        {
            for (var i = links.Count - 1; i >= 0; i--)
            {
                var link = links[i];
                _ = Task.Run(link.Dispose, CancellationToken.None);
            }

            throw;
        }
    }

    /// <summary>
    /// A local forward on 127.0.0.1 to the next hop over <paramref name="via"/>. Only its first
    /// connection is forwarded (ours, made at once): another local process cannot slip in later.
    /// </summary>
    private static (string Address, int Port) Forward(SshClient via, SshTarget next, SshTarget viaTarget)
    {
        var forward = new ForwardedPortLocal("127.0.0.1", 0, next.Host, (uint)next.Port);
        var accepted = 0;
        forward.RequestReceived += (_, _) =>
        {
            if (Interlocked.Increment(ref accepted) > 1)
            {
                // Thrown inside SSH.NET's accept handler: it closes that socket and opens no channel.
                throw new InvalidOperationException("only one connection is forwarded to the next hop");
            }
        };
        try
        {
            via.AddForwardedPort(forward);
            forward.Start();
        }
        catch (Exception ex) when (ex is Renci.SshNet.Common.SshException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            throw new SessionKeeperException(FailureKind.ConnectionLost, $"cannot forward to {next.Host}:{next.Port} through {viaTarget.Label}: {ex.Message.TrimEnd('.')}.", ex);
        }

        return ("127.0.0.1", (int)forward.BoundPort);
    }
}
