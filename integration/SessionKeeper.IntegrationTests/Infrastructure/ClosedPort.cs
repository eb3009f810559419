using System.Net;
using System.Net.Sockets;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback port that refuses every connection for as long as this object lives: a socket bound
/// to it that never listens. Holding the port (rather than closing a probe and hoping) keeps the
/// kernel from handing it to the next listener on port 0, a fault proxy or an sshd of the same
/// test; SO_REUSEADDR is cleared after the bind (.NET sets it there) so that an explicit bind
/// elsewhere cannot share it either.
/// </summary>
public sealed class ClosedPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public void Dispose() => _socket.Dispose();
}
