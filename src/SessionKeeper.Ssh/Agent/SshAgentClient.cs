using System.Buffers.Binary;
using System.Net.Sockets;

namespace SessionKeeper.Ssh.Agent;

/// <summary>
/// One connection to an ssh-agent over its Unix socket (draft-miller-ssh-agent). Thread-safe:
/// requests are serialised, one request and its answer at a time. A request that takes longer
/// than 30 seconds, or any socket error, makes the client unusable
/// (<see cref="AgentFailureKind.ConnectionLost"/>), since a late answer would be out of step.
/// </summary>
internal sealed partial class SshAgentClient : IDisposable
{
    /// <summary>OpenSSH's own limit on agent messages (AGENT_MAX_LEN).</summary>
    private const int MaxMessageLength = 256 * 1024;

    /// <summary>
    /// Generous: an agent holding a key added with <c>ssh-add -c</c> waits for the user to
    /// confirm each signature.
    /// </summary>
    private const int RequestTimeoutMilliseconds = 30_000;

    private readonly Lock _gate = new();
    private readonly NetworkStream _stream;
    private volatile bool _lost;
    private volatile bool _disposed;

    private SshAgentClient(Socket socket, string socketPath)
    {
        _stream = new NetworkStream(socket, ownsSocket: true);
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    /// <summary>
    /// Connects to the agent at <paramref name="socketPath"/>, or at <c>$SSH_AUTH_SOCK</c> when it is
    /// null. Returns null when there is no agent: the variable is unset or empty, the path cannot be
    /// a socket address, or nothing accepts the connection there.
    /// </summary>
    public static SshAgentClient? TryConnect(string? socketPath = null) =>
        TryConnect(socketPath, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="TryConnect(string?)"/>, reading the environment through <paramref name="environment"/>.</summary>
    internal static SshAgentClient? TryConnect(string? socketPath, Func<string, string?> environment)
    {
        socketPath ??= environment("SSH_AUTH_SOCK");
        if (string.IsNullOrEmpty(socketPath))
        {
            return null;
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            socket.SendTimeout = RequestTimeoutMilliseconds;
            socket.ReceiveTimeout = RequestTimeoutMilliseconds;
            return new SshAgentClient(socket, socketPath);
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException)
        {
            // ArgumentException: a path longer than sun_path allows; no agent can listen there.
            socket.Dispose();
            return null;
        }
    }

    public void Dispose()
    {
        // Not under _gate: closing the socket is what unblocks a request stuck in a read.
        _disposed = true;
        _stream.Dispose();
    }

    /// <summary>Sends one request frame and returns the answer's body, its type byte first.</summary>
    private byte[] Exchange(byte[] frame)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_lost)
            {
                throw new SshAgentException(AgentFailureKind.ConnectionLost, $"the connection to the ssh-agent at {SocketPath} was lost earlier; connect again.");
            }

            try
            {
                _stream.Write(frame);
                Span<byte> header = stackalloc byte[4];
                _stream.ReadExactly(header);
                var length = BinaryPrimitives.ReadUInt32BigEndian(header);
                if (length is 0 or > MaxMessageLength)
                {
                    throw new SshAgentException(AgentFailureKind.ConnectionLost, $"the ssh-agent at {SocketPath} sent a message of {length} bytes (0 < length <= {MaxMessageLength} expected); the connection is out of step.");
                }

                var body = new byte[length];
                _stream.ReadExactly(body);
                return body;
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or SshAgentException)
            {
                _lost = true;
                if (_disposed)
                {
                    throw new ObjectDisposedException(nameof(SshAgentClient), ex);
                }

                throw ex as SshAgentException ?? new SshAgentException(
                    AgentFailureKind.ConnectionLost,
                    ex is EndOfStreamException
                        ? $"the ssh-agent at {SocketPath} closed the connection."
                        : $"the ssh-agent at {SocketPath} did not answer ({ex.Message.TrimEnd('.')}).",
                    ex);
            }
        }
    }
}
