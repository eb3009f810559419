using System.Buffers.Binary;
using System.Text;

namespace SessionKeeper.Ssh.Agent;

/// <summary>
/// Reads the SSH wire encoding (RFC 4251 section 5) of one agent message or key blob. Malformed
/// input throws <see cref="SshAgentException"/> with <see cref="AgentFailureKind.ProtocolViolation"/>.
/// </summary>
internal ref struct AgentWireReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public readonly int Remaining => _rest.Length;

    public byte ReadByte() => Take(1)[0];

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public ReadOnlySpan<byte> ReadString()
    {
        var length = ReadUInt32();
        if (length > (uint)_rest.Length)
        {
            throw Malformed($"a string of {length} bytes with only {_rest.Length} left");
        }

        return Take((int)length);
    }

    public string ReadUtf8() => Encoding.UTF8.GetString(ReadString());

    /// <summary>Reads the name that starts every key and signature blob.</summary>
    public string ReadName()
    {
        var name = ReadString();
        if (name.IsEmpty || name.ContainsAnyExceptInRange((byte)0x21, (byte)0x7e))
        {
            throw Malformed("an empty or non-ASCII algorithm name");
        }

        return Encoding.ASCII.GetString(name);
    }

    /// <summary>Reads the name at the start of <paramref name="blob"/>.</summary>
    public static string ReadName(ReadOnlySpan<byte> blob) => new AgentWireReader(blob).ReadName();

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _rest.Length)
        {
            throw Malformed("a truncated message");
        }

        var taken = _rest[..count];
        _rest = _rest[count..];
        return taken;
    }

    private static SshAgentException Malformed(string what) =>
        new(AgentFailureKind.ProtocolViolation, $"malformed ssh-agent data: {what}.");
}
