using System.Net.Sockets;

namespace SessionKeeper.IntegrationTests.Infrastructure;

internal static class SocketReset
{
    /// <summary>Closes with SO_LINGER {on, 0}: the kernel sends RST instead of FIN.</summary>
    public static void Abort(Socket? socket)
    {
        if (socket is null)
        {
            return;
        }

        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing to reset.
        }

        socket.Dispose();
    }
}
