namespace SessionKeeper.IntegrationTests.Infrastructure;

public enum FaultMode
{
    /// <summary>Forward both directions.</summary>
    Pass,

    /// <summary>
    /// Forward nothing in either direction, on every connection (new ones included: they are
    /// accepted but get no data), while keeping all sockets open: no FIN, no RST. Bytes already
    /// read are held, not delivered. Leaving the mode delivers them, like TCP retransmission after a
    /// transient outage; for a path that never recovers call <see cref="FaultProxy.ResetAll"/> first.
    /// </summary>
    BlackHole,

    /// <summary>
    /// New connections are accepted and immediately reset (RST): the client's connect succeeds,
    /// its first read fails with ECONNRESET. Existing connections keep forwarding.
    /// </summary>
    Refuse,
}
