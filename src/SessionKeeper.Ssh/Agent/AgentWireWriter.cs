using System.Buffers;
using System.Buffers.Binary;

namespace SessionKeeper.Ssh.Agent;

/// <summary>Writes the SSH wire encoding (RFC 4251 section 5): agent requests and key blobs.</summary>
internal sealed class AgentWireWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    /// <summary>Starts an agent request with its message type.</summary>
    public static AgentWireWriter Request(byte messageType) => new AgentWireWriter().WriteByte(messageType);

    public AgentWireWriter WriteByte(byte value)
    {
        _buffer.Write([value]);
        return this;
    }

    public AgentWireWriter WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public AgentWireWriter WriteString(ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        _buffer.Write(value);
        return this;
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    /// <summary>What goes on the agent socket: a uint32 length, then what was written.</summary>
    public byte[] ToFrame()
    {
        var frame = new byte[4 + _buffer.WrittenCount];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)_buffer.WrittenCount);
        _buffer.WrittenSpan.CopyTo(frame.AsSpan(4));
        return frame;
    }
}
