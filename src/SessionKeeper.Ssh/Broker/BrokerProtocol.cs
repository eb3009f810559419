using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Ssh.Broker;

/// <summary>What a frame on the broker socket says (see <see cref="BrokerFrame"/>).</summary>
internal enum BrokerFrameType : byte
{
    /// <summary>CLI → daemon, id 0: the build and the agent socket; the daemon answers <see cref="Welcome"/> or <see cref="Error"/>.</summary>
    Hello = 1,

    /// <summary>Daemon → CLI, id 0: the daemon's build.</summary>
    Welcome = 2,

    /// <summary>CLI → daemon, id = session: a target (journal JSON) and whether the CLI can prompt; answered <see cref="Connected"/> or <see cref="Error"/>.</summary>
    Connect = 3,

    /// <summary>Daemon → CLI, id = session: the session is bound to a connection.</summary>
    Connected = 4,

    /// <summary>Daemon → CLI, id = session or channel: a failure, as kind and message.</summary>
    Error = 5,

    /// <summary>CLI → daemon, id = session: the CLI is done with it (the connection stays pooled).</summary>
    Release = 6,

    /// <summary>CLI → daemon, id = session: the CLI declared the link dead; the daemon tears the connection down.</summary>
    Abort = 7,

    /// <summary>Daemon → CLI, id = session: the connection under the session is dead.</summary>
    Lost = 8,

    /// <summary>CLI → daemon, id = channel: open the runner's command on a session, with the payload and whether stdin stays open.</summary>
    Open = 9,

    /// <summary>Daemon → CLI, id = channel: a stream channel is open.</summary>
    Opened = 10,

    /// <summary>Both ways, id = channel: bytes of the command's stdout (to the CLI) or stdin (to the daemon).</summary>
    Data = 11,

    /// <summary>CLI → daemon, id = channel: end of the command's stdin.</summary>
    CloseInput = 12,

    /// <summary>Daemon → CLI, id = channel: the command's stdout ended.</summary>
    Eof = 13,

    /// <summary>CLI → daemon, id = channel: abandon the channel.</summary>
    Close = 14,

    /// <summary>Daemon → CLI, id = prompt: a question or a note for the CLI's terminal, while its session connects.</summary>
    Prompt = 15,

    /// <summary>CLI → daemon, id = prompt: the answer (or none).</summary>
    Answer = 16,

    /// <summary>
    /// Daemon → CLI, id = session or channel: no room on the daemon's connections to the host (the
    /// per-host limit is reached, or every channel of the session's connection is taken); the CLI
    /// does it over a connection of its own, as without a daemon.
    /// </summary>
    Busy = 17,

    /// <summary>
    /// CLI → daemon, id = channel: a launch on a session, as the resident launcher's request line
    /// (<see cref="Core.Remote.ResidentLaunch.Line"/>) instead of a runner payload; answered as an
    /// exec channel is (the runner's reply in Data, then Eof), whether the connection's resident
    /// launcher or an exec channel with the payload the line stands for did it.
    /// </summary>
    Launch = 18,

    /// <summary>
    /// CLI → daemon, id = start, sent with the hello (one round trip for both): a whole <c>run -d</c>
    /// (<see cref="StartRequest"/>): the daemon journals the job, launches it over its connection to
    /// the host and journals the reply, so the CLI opens no journal. Answered <see cref="Started"/>,
    /// <see cref="Error"/> (the failure, journaled as a direct start journals it) or <see cref="Busy"/>
    /// (one byte: 0 when nothing is journaled, for the CLI to start the job itself: another
    /// journal's daemon, or no room on the host's connections; 1 when the job is journaled and may
    /// have been sent, for the CLI to finish from the journal: a retry that found no room); the daemon
    /// relays its connection's prompts on the same id.
    /// </summary>
    Start = 19,

    /// <summary>Daemon → CLI, id = start: the job is launched and journaled; the body is what the runner printed for the launch.</summary>
    Started = 20,
}

/// <summary>The kinds of <see cref="BrokerFrameType.Prompt"/>, as <see cref="Prompts.IUserInteraction"/> has them.</summary>
internal enum BrokerPromptKind : byte
{
    Secret = 0,
    Line = 1,
    Note = 2,
}

/// <summary>
/// One frame of the broker protocol: a 4-byte big-endian length of what follows, the type, a
/// 4-byte id (session, channel or prompt, chosen by the side that opens it) and the body. Bodies
/// are sequences of fields: a byte, or a length-prefixed UTF-8 string or byte array.
/// </summary>
internal readonly record struct BrokerFrame(BrokerFrameType Type, uint Id, byte[] Body)
{
    /// <summary>A frame is at most this long: a runner payload (a launch with its script) fits many times over.</summary>
    public const int MaxLength = 16 << 20;

    /// <summary>The socket's name in the state directory.</summary>
    public const string SocketName = "broker.sock";

    /// <summary>The environment variable that keeps every CLI of this environment off the broker.</summary>
    public const string DisableVariable = "SESSIONKEEPER_NO_DAEMON";

    /// <summary>
    /// The build, as both sides must share it: the broker runs its own runner script and SSH
    /// code, so a CLI of another build would get another build's bytes (docs/design/wave2.md).
    /// </summary>
    public static string Build { get; } =
        $"{typeof(BrokerFrame).Assembly.ManifestModule.ModuleVersionId:N}/{typeof(SessionKeeperException).Assembly.ManifestModule.ModuleVersionId:N}";

    public byte[] Encode()
    {
        var frame = new byte[9 + Body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, 5 + Body.Length);
        frame[4] = (byte)Type;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), Id);
        Body.CopyTo(frame, 9);
        return frame;
    }

    /// <summary>The next frame, or null at a clean end of the stream; blocking (<see cref="ReadAsync"/> otherwise the same).</summary>
    public static BrokerFrame? Read(Stream stream)
    {
        var head = new byte[9];
        var first = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (first == 0)
        {
            return null;
        }

        var body = new byte[BodyLength(head, first)];
        stream.ReadExactly(body);
        return new BrokerFrame((BrokerFrameType)head[4], BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(5)), body);
    }

    /// <summary>The next frame, or null at a clean end of the stream.</summary>
    public static async Task<BrokerFrame?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new byte[9];
        var first = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        if (first == 0)
        {
            return null;
        }

        var body = new byte[BodyLength(head, first)];
        await stream.ReadExactlyAsync(body, cancellationToken);
        return new BrokerFrame((BrokerFrameType)head[4], BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(5)), body);
    }

    /// <summary>The body's length a whole frame head gives, or why there is no frame to read.</summary>
    private static int BodyLength(byte[] head, int read)
    {
        if (read < head.Length)
        {
            throw new IOException("the broker socket closed in the middle of a frame.");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(head);
        return length < 5 || length > MaxLength ? throw new IOException($"a broker frame of {length} bytes is malformed.") : length - 5;
    }

    /// <summary>An error frame's body: the failure's kind, message and host.</summary>
    public static byte[] Failure(SessionKeeperException failure) =>
        new BodyWriter().Byte((byte)failure.Kind).String(failure.Message).String(failure.Host ?? string.Empty).ToArray();

    /// <summary>The failure an error frame carries, as the side that failed threw it.</summary>
    public SessionKeeperException ToFailure()
    {
        var body = new BodyReader(Body);
        var kind = (FailureKind)body.Byte();
        var message = body.String();
        var host = body.String();
        return new SessionKeeperException(kind, message) { Host = host.Length == 0 ? null : host };
    }
}

/// <summary>Builds a frame body.</summary>
internal sealed class BodyWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public BodyWriter Byte(byte value)
    {
        _buffer.Write([value]);
        return this;
    }

    public BodyWriter String(string value) => Bytes(Encoding.UTF8.GetBytes(value));

    public BodyWriter Long(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    public BodyWriter Bytes(ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
        _buffer.Write(length);
        _buffer.Write(value);
        return this;
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}

/// <summary>Reads a frame body; a body shorter than its fields say is a malformed frame.</summary>
internal sealed class BodyReader(byte[] body)
{
    private int _at;

    public byte Byte() => _at < body.Length ? body[_at++] : throw Malformed();

    public string String() => Encoding.UTF8.GetString(Bytes());

    public long Long()
    {
        if (body.Length - _at < 8)
        {
            throw Malformed();
        }

        var value = BinaryPrimitives.ReadInt64BigEndian(body.AsSpan(_at));
        _at += 8;
        return value;
    }

    /// <summary>Whether every field has been read: a body longer than its fields is malformed too.</summary>
    public bool AtEnd => _at == body.Length;

    /// <summary>The bytes not read yet.</summary>
    public int Left => body.Length - _at;

    public byte[] Bytes()
    {
        if (body.Length - _at < 4)
        {
            throw Malformed();
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(_at));
        _at += 4;
        if (length < 0 || length > body.Length - _at)
        {
            throw Malformed();
        }

        var value = body.AsSpan(_at, length).ToArray();
        _at += length;
        return value;
    }

    private static IOException Malformed() => new("a broker frame is shorter than its fields say.");
}

/// <summary>Writes whole frames to a socket, one writer at a time.</summary>
internal sealed class FrameWriter(Socket socket)
{
    private readonly Lock _gate = new();

    /// <summary>Sends a frame; false when the socket is gone (the reader sees that too).</summary>
    public bool Send(BrokerFrameType type, uint id, byte[]? body = null)
    {
        var bytes = new BrokerFrame(type, id, body ?? []).Encode();
        try
        {
            lock (_gate)
            {
                var sent = 0;
                while (sent < bytes.Length)
                {
                    sent += socket.Send(bytes, sent, bytes.Length - sent, SocketFlags.None);
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
