namespace SessionKeeper.Core.Remote;

/// <summary>
/// One live connection to a target that can run the constant remote command with a payload on its
/// stdin. The SSH implementation lives in SessionKeeper.Ssh; tests use a local /bin/sh.
/// </summary>
public interface IRemoteSession : IAsyncDisposable
{
    /// <summary>The host, as messages name it.</summary>
    string HostLabel { get; }

    /// <summary>Cancelled when the connection is known to be dead.</summary>
    CancellationToken Lost { get; }

    /// <summary>Runs the remote command to completion and returns all it printed on stdout.</summary>
    Task<byte[]> ExecAsync(byte[] stdin, CancellationToken cancellationToken = default);

    /// <summary>Starts the remote command and hands back its stdout as a stream to read as it comes.</summary>
    Task<IRemoteOutput> OpenStreamAsync(byte[] stdin, CancellationToken cancellationToken = default);

    /// <summary>True when the stdin of an opened stream stays open for <see cref="IRemoteOutput.Send"/>.</summary>
    bool CanSendToStreams => false;

    /// <summary>Declares the connection dead (e.g. heartbeats stopped) and tears it down.</summary>
    void Abort();
}

/// <summary>The stdout of a running remote command. Reads block; dispose to abandon it.</summary>
public interface IRemoteOutput : IDisposable
{
    /// <summary>What the command writes, read until it ends.</summary>
    Stream Output { get; }

    /// <summary>Writes to the remote command's stdin (see <see cref="IRemoteSession.CanSendToStreams"/>).</summary>
    void Send(ReadOnlySpan<byte> bytes) => throw new NotSupportedException("this stream's stdin is closed.");

    /// <summary>Closes the remote command's stdin: it reads end-of-file once it has read what was sent.</summary>
    void CloseInput() => throw new NotSupportedException("this stream's stdin is closed.");
}

/// <summary>Opens sessions to one target.</summary>
public interface IRemoteConnector
{
    /// <summary>The host, as messages name it.</summary>
    string HostLabel { get; }

    /// <summary>Opens a connection: host key checked, authenticated.</summary>
    Task<IRemoteSession> ConnectAsync(CancellationToken cancellationToken = default);
}
