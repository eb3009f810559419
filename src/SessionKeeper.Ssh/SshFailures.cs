using System.Net.Sockets;
using Renci.SshNet.Common;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Ssh;

/// <summary>Classifies SSH.NET and socket exceptions into <see cref="FailureKind"/>s with useful messages.</summary>
internal static class SshFailures
{
    /// <summary>
    /// A failure on a session that is already connected. Whatever it is (a reset or broken pipe
    /// from the socket, an SSH.NET transport error), the link was up and is gone: a lost
    /// connection, never "cannot connect", so callers treat it as a dropped link (a launch is then
    /// retried with the same id and cookie, not journaled as not launched).
    /// </summary>
    public static SessionKeeperException Established(Exception exception, string label) =>
        exception as SessionKeeperException
            ?? new(FailureKind.ConnectionLost, $"the connection to {label} was lost ({exception.Message.TrimEnd('.')}).", exception);

    /// <summary>A failure while connecting: socket errors mean the host could not be reached.</summary>
    public static SessionKeeperException Classify(Exception exception, string label)
    {
        switch (exception)
        {
            case SessionKeeperException known:
                return known;
            case SshAuthenticationException:
                return new(FailureKind.AuthenticationFailed, $"{label} refused every key offered ({exception.Message.TrimEnd('.')}). Check -i and the remote authorized_keys.", exception);
            case SocketException socket:
                return new(FailureKind.Unreachable, socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => $"cannot connect to {label}: connection refused (is sshd running on that port?).",
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"cannot connect to {label}: unknown host name.",
                    SocketError.TimedOut => $"cannot connect to {label}: timed out.",
                    SocketError.NetworkUnreachable or SocketError.HostUnreachable => $"cannot connect to {label}: no route to host.",
                    _ => $"cannot connect to {label}: {socket.Message}",
                }, exception);
            case SshOperationTimeoutException:
                return new(FailureKind.Unreachable, $"cannot connect to {label}: timed out.", exception);
            case SshConnectionException connection:
                return new(FailureKind.ConnectionLost, $"the connection to {label} was lost ({connection.Message.TrimEnd('.')}).", exception);
            case ObjectDisposedException or InvalidOperationException or IOException or SshException:
                return new(FailureKind.ConnectionLost, $"the connection to {label} was lost ({exception.Message.TrimEnd('.')}).", exception);
            default:
                return new(FailureKind.ConnectionLost, $"the connection to {label} failed: {exception.Message}", exception);
        }
    }
}
