using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>Readiness probe: connect and read the server's identification line.</summary>
public static class TcpBanner
{
    /// <summary>The first line the server sends, or null if it cannot be had within the timeout.</summary>
    public static async Task<string?> TryReadAsync(IPEndPoint endPoint, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint, cts.Token);
            var line = new List<byte>();
            var buffer = new byte[256];
            while (line.Count < 255)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (read == 0)
                {
                    return null;
                }

                var newline = Array.IndexOf(buffer, (byte)'\n', 0, read);
                line.AddRange(buffer.Take(newline >= 0 ? newline : read));
                if (newline >= 0)
                {
                    return Encoding.ASCII.GetString([.. line]).TrimEnd('\r');
                }
            }

            return null;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
