using System.Net.Sockets;

namespace SessionKeeper.Cli.Daemon.Broker;

/// <summary>
/// Who is at the other end of a Unix socket, as the kernel recorded it at connect time
/// (SO_PEERCRED): .NET has no API for it, so Tmds.LibC's getsockopt. The socket's 0600 mode keeps
/// other users out already; this is the check that holds even if the mode were loosened, and
/// the one that tells root's processes apart from ours.
/// </summary>
internal static class PeerCredentials
{
    /// <summary>The peer's (pid, uid), or null when the kernel would not say.</summary>
    public static unsafe (int Pid, uint Uid)? Of(Socket socket)
    {
        Tmds.Linux.ucred credentials = default;
        Tmds.Linux.socklen_t length = (uint)sizeof(Tmds.Linux.ucred);
        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        if (Tmds.Linux.LibC.getsockopt(fd, Tmds.Linux.LibC.SOL_SOCKET, Tmds.Linux.LibC.SO_PEERCRED, &credentials, &length) != 0)
        {
            return null;
        }

        return ((int)credentials.pid, (uint)credentials.uid);
    }

    /// <summary>This process's real uid: the only one the broker serves.</summary>
    public static uint Ours => Tmds.Linux.LibC.getuid();
}
