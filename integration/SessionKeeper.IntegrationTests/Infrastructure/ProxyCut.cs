namespace SessionKeeper.IntegrationTests.Infrastructure;

/// <summary>Which way bytes travel through a <see cref="FaultProxy"/>.</summary>
public enum ProxyDirection
{
    ClientToServer,
    ServerToClient,
}

/// <summary>What a cut does to its connection.</summary>
public enum CutKind
{
    /// <summary>RST to both sides.</summary>
    Reset,

    /// <summary>Nothing more is forwarded either way and nothing is closed: no FIN, no RST, ever.</summary>
    BlackHole,
}

/// <summary>
/// A cut of one connection after exactly <see cref="Bytes"/> bytes in <see cref="Direction"/>:
/// those are forwarded, the next byte that way is not, and the cut happens when it arrives.
/// </summary>
public sealed record ProxyCut(ProxyDirection Direction, long Bytes, CutKind Kind)
{
    public override string ToString() => $"{Kind} after {Bytes} B {(Direction == ProxyDirection.ClientToServer ? "client->server" : "server->client")}";
}

/// <summary>One chunk forwarded by a connection: its direction and where it starts in that direction's byte stream.</summary>
public readonly record struct ProxyChunk(ProxyDirection Direction, long Offset, int Length)
{
    public long End => Offset + Length;
}
