using System.Reflection;
using System.Runtime.CompilerServices;
using Renci.SshNet;

namespace SessionKeeper.Ssh;

/// <summary>
/// Data and EOF on an exec channel, never after the channel's CLOSE. SSH.NET 2026.0.0 checks that a
/// channel is open before it takes the lock its <c>Close()</c> holds while it answers the server's
/// CLOSE, so a send that races the end of a command (a stream's credit line, the EOF of its input
/// as the stream is dropped) can go out after our CLOSE. OpenSSH then ends the whole connection
/// ("ieof packet referred to nonexistent channel 7"), and with it every other channel on it: under
/// load it took the daemon's shared connection, and every job it followed, at the end of one job.
/// Here the check and the send happen under that same lock; a send that finds the channel closed
/// is dropped, as the server would drop it. Data is sent under the lock only when the server's
/// window takes it whole: SSH.NET waits for window space inside the send, and the thread that
/// would bring it is the one that needs the lock to answer a CLOSE. Sends on one channel are
/// serialised by the caller.
/// </summary>
internal static class ChannelSends
{
    private const string ChannelType = "Renci.SshNet.Channels.Channel, Renci.SshNet";

    private static readonly FieldInfo ChannelField = typeof(SshCommand).GetField("_channel", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new MissingFieldException(nameof(SshCommand), "_channel");

    /// <summary>Sends <paramref name="bytes"/> on <paramref name="command"/>'s channel unless the channel is closed or closing.</summary>
    /// <returns>False when the channel had closed: nothing was sent.</returns>
    public static bool Data(SshCommand command, byte[] bytes)
    {
        if (ChannelOf(command) is not { } channel)
        {
            return false;
        }

        if (bytes.Length == 0)
        {
            return IsOpen(channel);
        }

        if (RemoteWindowSize(channel) < (uint)bytes.Length)
        {
            // SSH.NET will wait for window space: never under the close lock (see the class).
            if (!IsOpen(channel))
            {
                return false;
            }

            SendData(channel, bytes, 0, bytes.Length);
            return true;
        }

        lock (MessagingLock(channel))
        {
            if (!IsOpen(channel) || CloseSent(channel) || CloseReceived(channel))
            {
                return false;
            }

            SendData(channel, bytes, 0, bytes.Length);
            return true;
        }
    }

    /// <summary>Sends EOF on <paramref name="command"/>'s channel unless the channel is closed or closing, or EOF was sent.</summary>
    public static void Eof(SshCommand command)
    {
        if (ChannelOf(command) is not { } channel)
        {
            return;
        }

        lock (MessagingLock(channel))
        {
            if (IsOpen(channel) && !EofSent(channel) && !CloseSent(channel) && !CloseReceived(channel))
            {
                SendEof(channel);
            }
        }
    }

    /// <summary>
    /// The command's channel. Its field's type is internal, which an accessor cannot return, so it
    /// is read by reflection (the name is a constant: trimming and Native AOT keep the field).
    /// </summary>
    private static object? ChannelOf(SshCommand command) => ChannelField.GetValue(command);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_messagingLock")]
    private static extern ref Lock MessagingLock([UnsafeAccessorType(ChannelType)] object channel);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_closeMessageSent")]
    private static extern ref bool CloseSent([UnsafeAccessorType(ChannelType)] object channel);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_closeMessageReceived")]
    private static extern ref bool CloseReceived([UnsafeAccessorType(ChannelType)] object channel);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_eofMessageSent")]
    private static extern ref bool EofSent([UnsafeAccessorType(ChannelType)] object channel);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_IsOpen")]
    private static extern bool IsOpen([UnsafeAccessorType(ChannelType)] object channel);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_RemoteWindowSize")]
    private static extern uint RemoteWindowSize([UnsafeAccessorType(ChannelType)] object channel);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "SendData")]
    private static extern void SendData([UnsafeAccessorType(ChannelType)] object channel, byte[] data, int offset, int size);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "SendEof")]
    private static extern void SendEof([UnsafeAccessorType(ChannelType)] object channel);
}
