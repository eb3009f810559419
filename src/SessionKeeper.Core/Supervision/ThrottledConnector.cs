using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Remote;

namespace SessionKeeper.Core.Supervision;

/// <summary>Opens sessions through <paramref name="limiter"/>: the handshake holds a slot of its address, the session does not.</summary>
internal sealed class ThrottledConnector(IRemoteConnector inner, HandshakeLimiter limiter, string key) : IRemoteConnector
{
    public string HostLabel => inner.HostLabel;

    public async Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var ticket = await limiter.AcquireAsync(key, cancellationToken);
        try
        {
            var session = await inner.ConnectAsync(cancellationToken);
            ticket.Complete(true);
            return session;
        }
        catch (SessionKeeperException ex)
        {
            // Refused, reset, closed during the key exchange or timed out: the address is saying
            // "fewer". A host-key or authentication refusal means the handshake itself got through.
            ticket.Complete(ex.IsRetryable ? false : null);
            throw;
        }
        finally
        {
            ticket.Complete(null);
        }
    }
}
